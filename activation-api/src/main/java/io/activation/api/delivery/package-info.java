/**
 * REST of delivery: message requests and why each was (not) sent ({@code /api/v1/message-requests/{id}/decisions},
 * {@code /api/v1/contacts/{externalId}/messages}), frequency caps, quiet hours and suppression lists.
 */
package io.activation.api.delivery;
