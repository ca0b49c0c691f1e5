/**
 * Who may call the platform: API keys with scopes ({@code ingest}, {@code read}, {@code admin}), stored only as a
 * SHA-256 hash of the secret (the secret has 238 bits of entropy, so a fast hash is the right one) and shown once
 * when issued. A bootstrap key from configuration lets scripts and CI authenticate without clicking.
 */
package io.activation.access;
