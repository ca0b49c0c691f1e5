package io.activation.access;

import java.util.Locale;

/** What an API key may do. {@link #ADMIN} includes the others. */
public enum Scope {
    /** Write contacts, rows and events. */
    INGEST,
    /** Read contacts, rows, the data model and imports. */
    READ,
    /** Define tables, manage API keys, and everything else. */
    ADMIN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Scope fromWire(String value) {
        return Scope.valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
}
