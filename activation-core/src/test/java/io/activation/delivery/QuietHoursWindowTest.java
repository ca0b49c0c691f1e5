package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.platform.FieldError;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The quiet-hours window (across midnight, within a day, across a daylight-saving change) and send options. */
class QuietHoursWindowTest {

    private static final ZoneId BRUSSELS = ZoneId.of("Europe/Brussels");

    private static ZonedDateTime at(String local) {
        return java.time.LocalDateTime.parse(local).atZone(BRUSSELS);
    }

    @Test
    void aWindowSpanningMidnightEndsTheNextMorning() {
        QuietHours.Window w = new QuietHours.Window(LocalTime.of(21, 0), LocalTime.of(8, 0));
        assertThat(w.contains(LocalTime.of(20, 59))).isFalse();
        assertThat(w.contains(LocalTime.of(21, 0))).isTrue();
        assertThat(w.contains(LocalTime.of(3, 0))).isTrue();
        assertThat(w.contains(LocalTime.of(8, 0))).isFalse();
        assertThat(w.nextAllowed(at("2026-06-01T23:30"))).isEqualTo(at("2026-06-02T08:00"));
        assertThat(w.nextAllowed(at("2026-06-02T06:00"))).isEqualTo(at("2026-06-02T08:00"));
        assertThat(w.nextAllowed(at("2026-06-02T12:00"))).isEqualTo(at("2026-06-02T12:00"));
    }

    @Test
    void aWindowWithinTheDayAndOneEndingInADaylightSavingGap() {
        QuietHours.Window lunch = new QuietHours.Window(LocalTime.of(12, 0), LocalTime.of(14, 0));
        assertThat(lunch.contains(LocalTime.of(11, 59))).isFalse();
        assertThat(lunch.nextAllowed(at("2026-06-02T12:30"))).isEqualTo(at("2026-06-02T14:00"));
        // 02:30 does not exist in Brussels on 29 March 2026: the window ends at 03:30 summer time (01:30Z).
        QuietHours.Window night = new QuietHours.Window(LocalTime.of(0, 0), LocalTime.of(2, 30));
        assertThat(night.nextAllowed(at("2026-03-29T01:30")).toInstant().toString())
                .isEqualTo("2026-03-29T01:30:00Z");
    }

    @Test
    void sendOptionsAreReadWithDefaultsAndProblemsNamedByPath() {
        JsonMapper json = JsonMapper.builder().build();
        List<FieldError> errors = new ArrayList<>();
        SendOptions defaults = SendOptions.parse(json.readTree("{\"channels\": []}"), "send", errors);
        assertThat(errors).isEmpty();
        assertThat(defaults).isEqualTo(SendOptions.DEFAULT);

        SendOptions set = SendOptions.parse(json.readTree("""
                {"purpose": "transactional", "quietHours": "skip", "expiresAfter": "P1D", "confirmWithin": "PT2H"}"""),
                "send", errors);
        assertThat(errors).isEmpty();
        assertThat(set).isEqualTo(new SendOptions(SendOptions.Purpose.TRANSACTIONAL,
                SendOptions.QuietHoursPolicy.SKIP, Duration.ofDays(1), Duration.ofHours(2)));

        SendOptions.parse(json.readTree("""
                {"purpose": 1, "quietHours": "never", "expiresAfter": "PT0S", "confirmWithin": "P400D"}"""),
                "steps[1].send", errors);
        assertThat(errors).extracting(FieldError::field).containsExactly("steps[1].send.purpose",
                "steps[1].send.quietHours", "steps[1].send.expiresAfter", "steps[1].send.confirmWithin");
    }
}
