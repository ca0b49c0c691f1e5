/**
 * Tracking over HTTP: the public endpoints recipients reach from a message (open pixel {@code /t/o}, click
 * redirects {@code /t/c} and {@code /s}, the unsubscribe page and RFC 8058 one-click target {@code /u}), which lie
 * outside {@code /api} and {@code /v1} on purpose so no API key is asked (the token is the credential), and the
 * reports under {@code /api/v1} (scope read).
 */
package io.activation.api.tracking;
