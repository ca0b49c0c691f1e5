/** REST API of the push device-token registry: {@code /api/v1/contacts/{externalId}/devices}. */
package io.activation.api.device;
