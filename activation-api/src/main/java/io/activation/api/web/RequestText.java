package io.activation.api.web;

import io.activation.platform.InvalidInputException;

/**
 * Checks free text from query parameters before it reaches a query: PostgreSQL refuses U+0000 and unpaired
 * surrogates in text, which would otherwise surface as a database error instead of a problem naming the parameter.
 */
public final class RequestText {

    private RequestText() {}

    /** The value itself (null stays null); a 422 problem naming {@code field} when PostgreSQL cannot take it. */
    public static String check(String field, String value) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\0') {
                throw new InvalidInputException(field, "must not contain the NUL character (\\u0000)");
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidInputException(field, "is not valid Unicode text (unpaired surrogate)");
            }
        }
        return value;
    }
}
