package io.activation.journey.source;

import java.time.LocalDate;
import java.util.List;

/**
 * A page of due occurrences, ordered by (contact id, row id, occurrence date); {@code next} continues after the
 * last one, or is null when there is no more.
 */
public record DuePage(List<DueOccurrence> items, Cursor next) {

    public DuePage {
        items = List.copyOf(items);
    }

    /** Keyset position: the last occurrence of the previous page. */
    public record Cursor(long contactId, long rowId, LocalDate occurrenceDate) {}
}
