package io.activation.channels.email;

import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.Recipient;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Test messages and settings. */
final class Messages {

    private Messages() {}

    static OutboundMessage email(String key, String address) {
        Map<String, String> parts = new HashMap<>();
        parts.put(Content.SUBJECT, "Your cart misses you, Ada ✓");
        parts.put(Content.TEXT, "Hello Ada,\n\nthe Blue kettle (EUR 39.90) is still in your cart.\n");
        parts.put(Content.HTML, "<p>Hello Ada,</p><p>the <b>Blue kettle</b> (EUR 39.90) is still in your cart.</p>");
        parts.put(Content.UNSUBSCRIBE_URL, "https://shop.example/u/tok123");
        parts.put(Content.UNSUBSCRIBE_POST_URL, "https://shop.example/u/tok123");
        return new OutboundMessage(key, 7, 42, "email", new Recipient(address, "Ada Lovelace", Map.of()),
                new Content(parts, Map.of()), 1, Instant.parse("2026-11-22T10:00:00Z"), Map.of("template", "cart"));
    }

    static EmailProperties settings(int poolSize, Duration readTimeout) {
        return settings(poolSize, readTimeout, 0, 10, Map.of(), Duration.ofSeconds(5), EmailProperties.Dkim.off(),
                "");
    }

    static EmailProperties settings(int poolSize, Duration readTimeout, double perDomainRate, int burst,
            Map<String, Double> domainRates, Duration throttleMaxWait, EmailProperties.Dkim dkim, String mailto) {
        return new EmailProperties(true, "news@shop.example", "The Shop", "bounces@shop.example", "", mailto, poolSize,
                Duration.ofSeconds(2), 500, Duration.ofSeconds(60), Duration.ofSeconds(2), readTimeout,
                Duration.ofSeconds(5), perDomainRate, burst, domainRates, throttleMaxWait, dkim,
                EmailProperties.Bounces.off(), "");
    }
}
