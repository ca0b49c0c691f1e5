package io.activation.consent;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * A contact's current consent for one channel and purpose.
 *
 * @param source where it was given or withdrawn (e.g. {@code signup-form}, {@code unsubscribe-link}, {@code import})
 * @param proof what proves it: ip, user agent, form, the text shown (an object)
 */
public record Consent(long contactId, Channel channel, String purpose, ConsentStatus status, Instant changedAt,
        String source, JsonNode proof) {

    public boolean granted() {
        return status == ConsentStatus.GRANTED;
    }
}
