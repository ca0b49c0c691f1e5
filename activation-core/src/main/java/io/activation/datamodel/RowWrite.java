package io.activation.datamodel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A validated write of one row: the canonical values the client sent (absent attributes stay as they are,
 * explicit nulls clear), the business key among them, and for contact-owned tables the contact.
 */
public record RowWrite(Object key, Map<String, Object> values, Long contactId) {

    public RowWrite {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
}
