/**
 * Consent per contact, channel and purpose, with its proof. {@link io.activation.consent.Consents} is the ledger:
 * the current status in {@code contact_consents}, every change appended to {@code contact_consent_history}, and an
 * {@code io.activation.consent.changed} event in the outbox of the same transaction. Arbitration (delivery) and
 * segment rules read the current status; nothing here knows HTTP.
 */
package io.activation.consent;
