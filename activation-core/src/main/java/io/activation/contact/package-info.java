/**
 * Contacts and their identities. A contact is a row of the {@code contacts} table (written through the data
 * model's one write path) with a stable internal id and an optional unique business key, {@code externalId};
 * anonymous identities (a Segment {@code anonymousId}, a device id) point at a contact and survive a merge.
 * {@link io.activation.contact.ContactResolver} finds or creates the contact a request names;
 * {@link io.activation.contact.ContactMerger} folds an anonymous contact's history into the known one.
 */
package io.activation.contact;
