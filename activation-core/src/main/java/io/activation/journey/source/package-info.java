/**
 * Sources of journey triggers that are not single change events, self-contained so the engine only calls them:
 * {@link io.activation.journey.source.DateTriggers} finds the contacts (and rows) whose date-relative trigger
 * (birthday, N days after the first order, N days before a coupon expires) is due in a time window, evaluated in
 * each contact's time zone with one set-based query per page; {@link io.activation.journey.source.ReferenceFanout}
 * turns a change of a reference row (a product's price or stock) into one
 * {@code io.activation.row.reference-changed} event per contact row that links to it (wishlist item, cart line).
 * Nothing here depends on the engine.
 */
package io.activation.journey.source;
