package io.activation.delivery.device;

import io.activation.platform.InvalidInputException;
import java.util.Locale;

/** The kind of app installation a device token belongs to. */
public enum DevicePlatform {
    ANDROID, IOS, WEB;

    /** The lower-case name used in the API and the database. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The platform named by {@code code}; {@link InvalidInputException} naming {@code field} otherwise. */
    public static DevicePlatform of(String code, String field) {
        if (code != null) {
            for (DevicePlatform p : values()) {
                if (p.code().equals(code)) {
                    return p;
                }
            }
        }
        throw new InvalidInputException(field, "must be one of android, ios, web");
    }
}
