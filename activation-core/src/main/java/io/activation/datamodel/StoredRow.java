package io.activation.datamodel;

import java.time.Instant;
import java.util.Map;

/** A row as stored: surrogate id, owning contact (or null), canonical values in column order, timestamps. */
public record StoredRow(long id, Long contactId, Map<String, Object> values, Instant createdAt, Instant updatedAt) {

    public Object key(TableSchema table) {
        return values.get(table.businessKey());
    }
}
