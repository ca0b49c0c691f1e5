package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Wait-until across daylight-saving changes in three time zones. */
class WaitUntilPolicyTest {

    private static Instant next(String now, String zone, String time, DayOfWeek... days) {
        return WaitUntilPolicy.next(Instant.parse(now), ZoneId.of(zone), LocalTime.parse(time), Set.of(days));
    }

    @Test
    void nineOClockLocalAfterClocksGoForwardInBrussels() {
        // Saturday noon UTC; next Monday 09:00 is in summer time (+02:00), two days after the change.
        assertThat(next("2026-03-28T12:00:00Z", "Europe/Brussels", "09:00", DayOfWeek.MONDAY))
                .isEqualTo("2026-03-30T07:00:00Z");
        assertThat(next("2026-03-28T12:00:00Z", "Europe/Brussels", "09:00"))
                .isEqualTo("2026-03-29T07:00:00Z");
    }

    @Test
    void aLocalTimeSkippedByTheChangeIsShiftedByTheGap() {
        assertThat(next("2026-03-28T12:00:00Z", "Europe/Brussels", "02:30")).isEqualTo("2026-03-29T01:30:00Z");
    }

    @Test
    void newYorkSpringsForwardOnItsOwnDate() {
        assertThat(next("2026-03-07T15:00:00Z", "America/New_York", "09:00")).isEqualTo("2026-03-08T13:00:00Z");
    }

    @Test
    void sydneyFallsBackInApril() {
        assertThat(next("2026-04-04T00:00:00Z", "Australia/Sydney", "09:00")).isEqualTo("2026-04-04T23:00:00Z");
        // 02:30 happens twice on the night of the change: the first one (still +11:00) is taken.
        assertThat(next("2026-04-04T00:00:00Z", "Australia/Sydney", "02:30")).isEqualTo("2026-04-04T15:30:00Z");
    }

    @Test
    void aTimeAlreadyPassedTodayMeansTomorrowAndADateAttributeGivesItsDay() {
        assertThat(next("2026-06-01T10:00:00Z", "UTC", "09:00")).isEqualTo("2026-06-02T09:00:00Z");
        assertThat(WaitUntilPolicy.on(LocalDate.parse("2026-10-25"), ZoneId.of("Europe/Brussels"),
                LocalTime.parse("10:00"))).isEqualTo("2026-10-25T09:00:00Z");
    }
}
