package io.activation.consent;

import io.activation.platform.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The channels a contact can consent to. */
public enum Channel {
    EMAIL, SMS, PUSH, WALLET, PRINT;

    /** The lower-case name used in the API, the database and events. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Channel of(String code, String field) {
        if (code != null) {
            for (Channel c : values()) {
                if (c.code().equals(code)) {
                    return c;
                }
            }
        }
        throw new InvalidInputException(field, "must be one of " + Arrays.stream(values()).map(Channel::code)
                .collect(Collectors.joining(", ")));
    }
}
