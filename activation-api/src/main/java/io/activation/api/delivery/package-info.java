/** REST reads of message requests ({@code /api/v1/contacts/{externalId}/message-requests}). */
package io.activation.api.delivery;
