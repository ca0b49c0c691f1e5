package io.activation.api.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The direct reading of {@code occurredAt} accepts and rejects exactly what {@code OffsetDateTime.parse} does. */
class EventTimestampTest {

    @Test
    void readsWhatTheFormatterReadsToTheSameInstant() {
        for (String text : List.of("2026-11-22T10:00:00Z", "2026-11-22T10:00:00.1Z", "2026-11-22T10:00:00.123Z",
                "2026-11-22T10:00:00.123456Z", "2026-11-22T10:00:00.123456789Z", "2024-02-29T23:59:59.999Z",
                "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-11-22T10:00Z", "2026-11-22T11:00:00+01:00",
                "2026-11-22T10:00:00.5-03:30", "2026-11-22T10:00:00.Z", "2026-11-22t10:00:00Z", "2026-11-22T10:00:00z")) {
            assertThat(EventController.instant(text)).as(text).isEqualTo(OffsetDateTime.parse(text).toInstant());
        }
    }

    @Test
    void rejectsWhatTheFormatterRejects() {
        for (String text : List.of("2026-02-29T10:00:00Z", "2026-11-31T10:00:00Z", "2026-13-01T10:00:00Z",
                "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z", "2026-11-22T10:00:60Z",
                "2026-11-22T10:00:00.1234567890Z", "2026-11-22 10:00:00Z", "2026-11-22T10:00:00", "2026-1a-22T10:00:00Z", "+2026-11-22T10:00:00Z",
                "2026-11-22T10:00:0xZ", "yesterday", "")) {
            assertThatThrownBy(() -> OffsetDateTime.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
            assertThatThrownBy(() -> EventController.instant(text)).as(text)
                    .isInstanceOf(DateTimeParseException.class);
        }
    }
}
