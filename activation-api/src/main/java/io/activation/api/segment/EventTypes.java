package io.activation.api.segment;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Segment event names ("Product Viewed", "signedUp") as Activation event types ({@code product_viewed},
 * {@code signed_up}): accents dropped, camelCase split, lower case, every run of other characters one underscore.
 */
final class EventTypes {

    /** The rule of {@code Ingestion} for event types. */
    static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_.:-]{0,99}");

    private EventTypes() {}

    /** The event type for a name, or empty when nothing valid is left of it (or more than 100 characters). */
    static Optional<String> of(String name) {
        String s = Normalizer.normalize(name, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "");
        s = s.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("([A-Z]+)([A-Z][a-z])", "$1_$2");
        s = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.:-]+", "_").replaceAll("_{2,}", "_");
        s = s.replaceAll("^[^a-z0-9]+", "").replaceAll("[_.:-]+$", "");
        return VALID.matcher(s).matches() ? Optional.of(s) : Optional.empty();
    }
}
