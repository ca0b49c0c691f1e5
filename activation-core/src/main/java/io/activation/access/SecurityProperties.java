package io.activation.access;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code activation.security.*}.
 *
 * @param bootstrapApiKey a secret for an admin key created at start-up when it does not exist yet (env
 *     {@code ACTIVATION_BOOTSTRAP_API_KEY}); at least 16 characters
 */
@ConfigurationProperties("activation.security")
public record SecurityProperties(String bootstrapApiKey) {}
