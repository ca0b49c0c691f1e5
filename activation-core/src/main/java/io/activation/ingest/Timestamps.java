package io.activation.ingest;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * {@link Instant#toString()} (ISO-8601 in UTC, fractions in groups of three digits, none when zero), without the
 * formatter machinery on every call: the date and time of day are formatted once per second and kept, so the
 * envelopes of one second share them. Identical output to {@code Instant.toString()} for every instant.
 */
final class Timestamps {

    private record Second(long epochSecond, String text) {}

    private static volatile Second last = new Second(Long.MIN_VALUE, "");

    private Timestamps() {}

    static String iso(Instant instant) {
        long epochSecond = instant.getEpochSecond();
        Second second = last;
        if (second.epochSecond() != epochSecond) {
            LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
            if (t.getYear() < 1000 || t.getYear() > 9999) {
                return instant.toString(); // signs and padding of distant years: the JDK's own rules
            }
            second = new Second(epochSecond, Instant.ofEpochSecond(epochSecond).toString());
            last = second;
        }
        String text = second.text(); // "yyyy-MM-ddTHH:mm:ssZ"
        int nano = instant.getNano();
        if (nano == 0) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 10).append(text, 0, text.length() - 1).append('.');
        int digits;
        int value;
        if (nano % 1_000_000 == 0) {
            digits = 3;
            value = nano / 1_000_000;
        } else if (nano % 1_000 == 0) {
            digits = 6;
            value = nano / 1_000;
        } else {
            digits = 9;
            value = nano;
        }
        String v = Integer.toString(value);
        for (int i = v.length(); i < digits; i++) {
            b.append('0');
        }
        return b.append(v).append('Z').toString();
    }
}
