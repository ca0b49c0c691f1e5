package io.activation.journey.webhook;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code activation.webhooks.*}: limits of the journey webhook step.
 *
 * @param connectTimeout how long to wait for the TCP (and TLS) connection
 * @param readTimeout how long to wait for the answer, and between two reads of it
 * @param maxResponseSize how much of the answer is read; the rest is dropped with the connection
 * @param allowPrivateNetworks whether private, loopback and other non-public targets may be called (off: an SSRF
 *        guard; turn on only where the receivers are on the same private network and trusted)
 * @param allowedHosts when not empty, the only host names that may be called ({@code hooks.example.com}, or
 *        {@code *.example.com} for every subdomain); empty means any public host
 * @param allowedNetworks CIDR ranges that may be called even though they are private (an internal CRM at
 *        {@code 10.1.2.0/24}), without opening every private network
 */
@ConfigurationProperties("activation.webhooks")
public record WebhookProperties(
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10s") Duration readTimeout,
        @DefaultValue("64KB") DataSize maxResponseSize,
        @DefaultValue("false") boolean allowPrivateNetworks,
        @DefaultValue List<String> allowedHosts,
        @DefaultValue List<String> allowedNetworks) {

    public WebhookProperties {
        allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
        allowedNetworks = allowedNetworks == null ? List.of() : List.copyOf(allowedNetworks);
    }
}
