/** REST API of consents: {@code /api/v1/contacts/{externalId}/consents}. */
package io.activation.api.consent;
