package io.activation.tracking;

/**
 * Who followed a tracking link, as far as the request tells: kept with the interaction and, for an unsubscribe, as
 * the consent's proof. Both values are cut to the columns' lengths.
 */
public record Visitor(String userAgent, String ip) {

    public Visitor {
        userAgent = cut(userAgent, 500);
        ip = cut(ip, 64);
    }

    private static String cut(String value, int max) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String clean = value.replaceAll("[\\p{Cntrl}]", " ").strip();
        return clean.length() <= max ? clean : clean.substring(0, max);
    }
}
