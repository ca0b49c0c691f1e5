package io.activation.consent;

import io.activation.platform.InvalidInputException;
import java.util.Locale;

/** Whether the contact said yes (granted) or took it back (withdrawn). No record means never asked. */
public enum ConsentStatus {
    GRANTED, WITHDRAWN;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ConsentStatus of(String code, String field) {
        if ("granted".equals(code)) {
            return GRANTED;
        }
        if ("withdrawn".equals(code)) {
            return WITHDRAWN;
        }
        throw new InvalidInputException(field, "must be granted or withdrawn");
    }
}
