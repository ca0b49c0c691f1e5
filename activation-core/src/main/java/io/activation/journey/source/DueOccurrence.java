package io.activation.journey.source;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

/**
 * One occurrence of a date-relative trigger that is due.
 *
 * @param key deterministic: {@code <spec id>:<contact id>:<row id or ->:<occurrence date>}; the same occurrence
 *        always has the same key, so the engine deduplicates on it (see {@link #uuid()})
 * @param contactId the contact
 * @param rowId the row's surrogate id, or null for a date of the contact itself
 * @param rowKey the row's business key, or null for a date of the contact itself
 * @param occurrenceDate the local date it fires on, in the contact's zone
 * @param fireAt the instant of {@code occurrenceDate} at the spec's local time in the contact's zone
 * @param zone the time zone used
 */
public record DueOccurrence(String key, long contactId, Long rowId, Object rowKey, LocalDate occurrenceDate,
        Instant fireAt, String zone) {

    static String keyOf(String specId, long contactId, Long rowId, LocalDate occurrenceDate) {
        return specId + ":" + contactId + ":" + (rowId == null ? "-" : rowId.toString()) + ":" + occurrenceDate;
    }

    /** The key as a name-based UUID, e.g. for a CloudEvent id or a unique column. */
    public UUID uuid() {
        return UUID.nameUUIDFromBytes(("date-trigger:" + key).getBytes(StandardCharsets.UTF_8));
    }
}
