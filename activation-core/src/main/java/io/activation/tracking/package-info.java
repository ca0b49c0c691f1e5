/**
 * Tracking and attribution: signed links for the open pixel, clicks and unsubscribes ({@link
 * io.activation.tracking.TrackingLinks}, used by templates), the interactions recorded when they are followed
 * (opens, clicks, unsubscribes, each an {@code io.activation.message.*} event on {@code activation.events} so a
 * journey can wait for them), and the attribution of conversions (new rows of a configured interaction table, such
 * as orders) to the message clicked or opened before them. Reads the {@code deliveries} ledger with plain SQL and
 * never depends on {@code io.activation.delivery}: templates use tracking, and delivery uses templates.
 */
package io.activation.tracking;
