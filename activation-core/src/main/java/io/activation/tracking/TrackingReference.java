package io.activation.tracking;

import java.util.Objects;
import java.util.Optional;

/**
 * What a verified tracking token names: the kind of link, the delivery it was made for and, for a click, the target
 * URL it was signed with (the only place a click redirect may go).
 *
 * @param kind open pixel, click or unsubscribe
 * @param deliveryId the {@code deliveries} row the link belongs to
 * @param url the signed target of a click; empty for the other kinds
 */
public record TrackingReference(Kind kind, long deliveryId, Optional<String> url) {

    /** The kinds of tracking link; a token of one kind is refused by the endpoints of the others. */
    public enum Kind {
        OPEN('o'),
        CLICK('c'),
        UNSUBSCRIBE('u');

        private final char code;

        Kind(char code) {
            this.code = code;
        }

        char code() {
            return code;
        }

        static Optional<Kind> of(int code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return Optional.of(kind);
                }
            }
            return Optional.empty();
        }
    }

    public TrackingReference {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(url, "url");
    }
}
