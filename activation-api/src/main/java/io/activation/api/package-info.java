/**
 * The REST API, versioned under {@code /api/v1}, and the Segment-compatible tracking API under {@code /v1}. Each
 * feature package holds its controllers and the request/response records (no JPA entity crosses HTTP); {@code web}
 * holds what every endpoint shares: API-key authentication and scope checks, the body-size cap, idempotency keys
 * and RFC 9457 problem details. Controllers are thin: they map JSON to the core's inputs and call one application
 * service.
 */
package io.activation.api;
