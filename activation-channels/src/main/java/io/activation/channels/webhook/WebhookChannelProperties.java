package io.activation.channels.webhook;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code activation.channels.webhook.*}: the shop's endpoint (the channel exists only when it is set), the signing
 * secret (no signature header when empty) and the timeouts.
 */
@ConfigurationProperties("activation.channels.webhook")
public record WebhookChannelProperties(URI url, String secret, @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10s") Duration readTimeout) {

    public WebhookChannelProperties {
        if (url != null) {
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw new IllegalArgumentException(
                        "activation.channels.webhook.url must be an absolute http or https URL: " + url);
            }
        }
        secret = secret == null || secret.isBlank() ? null : secret;
    }
}
