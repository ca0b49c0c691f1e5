package io.activation.channels.wallet;

import java.util.Locale;

/** The pass styles the channel issues, named as templates name them in the {@code passType} part. */
public enum PassStyle {
    /** A store card: loyalty number, points, tier. */
    LOYALTY,
    /** A coupon: offer, code, expiry. */
    COUPON;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The style named by {@code name} ({@code loyalty}, {@code coupon}), or null. */
    public static PassStyle parse(String name) {
        if (name == null) {
            return null;
        }
        for (PassStyle s : values()) {
            if (s.wireName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        return null;
    }
}
