package io.activation.api.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Wait-until in the contact's time zone, across the daylight-saving changes of three zones. */
class WaitUntilTimeZonesJourneyTest extends JourneyApiSupport {

    private long scenario(String time, String weekdays, String template) {
        return activeScenario("""
                {"name": "Morning", "timeZone": "UTC", "trigger": {"type": "api"},
                 "steps": [{"id": "until", "waitUntil": {"time": "%s", "weekdays": %s}, "next": "send"},
                           {"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(time, weekdays, template));
    }

    /** Starts the journey at {@code now}, checks when it waits until, and that it sends once that moment came. */
    private void check(KafkaConsumer<String, String> messages, long scenario, String zone, String now,
            String expectedDue) {
        clock.set(Instant.parse(now));
        String who = unique("tz");
        put("/api/v1/contacts/" + who, "{\"timeZone\": \"" + zone + "\"}").expect(201);
        post("/api/v1/scenarios/" + scenario + "/trigger", "{\"contact\": {\"externalId\": \"" + who + "\"}}")
                .expect(202);
        JsonNode journey = awaitJourney(who, "waiting", "until");
        assertThat(journey.get("waitingUntil").stringValue()).as(zone).isEqualTo(expectedDue);
        clock.set(Instant.parse(expectedDue).minusSeconds(1));
        assertThat(messageRequests(who)).isEmpty();
        clock.set(Instant.parse(expectedDue));
        JsonNode message = consumeMessages(messages, contactId(who), 1).get(0);
        assertThat(message.get("createdAt").stringValue()).isEqualTo(expectedDue);
    }

    @Test
    void nineOClockLocalIsRightOnBothSidesOfEachZonesChange() {
        String template = template("email");
        long daily = scenario("09:00", "[]", template);
        long mondays = scenario("09:00", "[\"MONDAY\"]", template);
        long night = scenario("02:30", "[]", template);
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            // Brussels springs forward on 29 March 2026: 09:00 is 08:00Z before, 07:00Z after.
            check(messages, daily, "Europe/Brussels", "2026-03-28T06:00:00Z", "2026-03-28T08:00:00Z");
            check(messages, daily, "Europe/Brussels", "2026-03-28T12:00:00Z", "2026-03-29T07:00:00Z");
            check(messages, mondays, "Europe/Brussels", "2026-03-27T12:00:00Z", "2026-03-30T07:00:00Z");
            // 02:30 does not exist that night: the gap shifts it to 03:30 summer time.
            check(messages, night, "Europe/Brussels", "2026-03-28T12:00:00Z", "2026-03-29T01:30:00Z");
            // New York springs forward on 8 March 2026.
            check(messages, daily, "America/New_York", "2026-03-07T15:00:00Z", "2026-03-08T13:00:00Z");
            // Sydney falls back on 5 April 2026 (+11:00 to +10:00).
            check(messages, daily, "Australia/Sydney", "2026-04-03T00:00:00Z", "2026-04-03T22:00:00Z");
            check(messages, daily, "Australia/Sydney", "2026-04-04T00:00:00Z", "2026-04-04T23:00:00Z");
        }
    }
}
