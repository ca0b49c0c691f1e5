/**
 * Templates: the catalogue of named message templates per channel ({@code email}, {@code sms}, {@code push},
 * {@code wallet}, {@code print}, {@code webhook}), each a set of Liquid parts (and data for push and wallet), and
 * their rendering: {@link io.activation.template.MessageRenderer} renders in a sandbox (no includes, vetted filters,
 * plain-value context, time / size / iteration limits; docs/adr/0013) with the personalisation context (contact,
 * trigger, related rows, recommendations, links) and makes links trackable. Preview and test send are here too.
 * Depends on contact, datamodel, ingest (outbox) and tracking; never on delivery (whose sender runtime calls this).
 */
package io.activation.template;
