package io.activation.api.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Editing an active scenario: a new version for new entries; journeys in flight stay or move explicitly. */
class ScenarioVersioningApiTest extends JourneyApiSupport {

    private static String definition(String type, String waitId, String template) {
        return """
                {"name": "Versioned", "trigger": {"type": "event", "eventType": "%s"},
                 "steps": [{"id": "%s", "wait": {"duration": "PT1H"}, "next": "send"},
                           {"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(type, waitId, template);
    }

    @Test
    void inFlightJourneysStayOnTheirVersionUnlessAnExplicitStepMappingMovesThem() {
        String v1Template = template("email");
        String v2Template = template("email");
        String type = unique("joined");
        long id = activeScenario(definition(type, "pause", v1Template));
        String stays = unique("stays");
        String moves = unique("moves");
        event(stays, type, "{}");
        awaitJourney(stays, "waiting", "pause");

        // Version 2 renames the wait step and sends another template.
        JsonNode v2 = put("/api/v1/scenarios/" + id, definition(type, "breather", v2Template)).expect(200).json();
        assertThat(v2.get("latestVersion").intValue()).isEqualTo(2);
        assertThat(v2.get("activeVersion").intValue()).isEqualTo(2);
        assertThat(v2.get("status").stringValue()).isEqualTo("active");
        event(moves, type, "{}");
        JsonNode newcomer = awaitJourney(moves, "waiting", "breather");
        assertThat(newcomer.get("version").intValue()).isEqualTo(2);

        // An invalid edit of an active scenario is refused and changes nothing.
        put("/api/v1/scenarios/" + id, definition(type, "breather", "no-such-template")).expect(422);
        assertThat(get("/api/v1/scenarios/" + id + "/versions").expect(200).json().get("items")).hasSize(2);

        // Version 3 exists; the v1 journey is moved there only by an explicit mapping that covers its step.
        String v3Template = template("email");
        put("/api/v1/scenarios/" + id, definition(type, "rest", v3Template)).expect(200);
        String third = unique("third");
        event(third, type, "{}");
        awaitJourney(third, "waiting", "rest");
        JsonNode incomplete = post("/api/v1/scenarios/" + id + "/migrate", """
                {"fromVersion": 1, "toVersion": 3, "steps": {"other": "rest"}}""").expect(422).json();
        assertThat(incomplete.get("errors").findValuesAsString("field")).contains("steps.pause");
        post("/api/v1/scenarios/" + id + "/migrate", """
                {"fromVersion": 1, "toVersion": 3, "steps": {"pause": "send"}}""").expect(422);
        assertThat(post("/api/v1/scenarios/" + id + "/migrate", """
                {"fromVersion": 1, "toVersion": 3, "steps": {"pause": "rest"}}""").expect(200).json()
                .get("migrated").intValue()).isEqualTo(1);
        JsonNode migrated = awaitJourney(stays, "waiting", "rest");
        assertThat(migrated.get("version").intValue()).isEqualTo(3);

        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            clock.advance(Duration.ofMinutes(61));
            // The migrated journey keeps its timer and continues on version 3; the v2 journey stays on v2.
            assertThat(consumeMessages(messages, contactId(stays), 1).get(0).at("/channels/0/template")
                    .stringValue()).isEqualTo(v3Template);
            JsonNode v2Message = consumeMessages(messages, contactId(moves), 1).get(0);
            assertThat(v2Message.at("/channels/0/template").stringValue()).isEqualTo(v2Template);
            assertThat(v2Message.get("scenarioVersion").intValue()).isEqualTo(2);
        }
        JsonNode history = journey(migrated.get("id").longValue()).get("history");
        assertThat(history.findValuesAsString("outcome")).contains("migrated");
        assertThat(messageRequests(stays)).hasSize(1);
    }

    @Test
    void pauseHoldsJourneysAndResumeLetsThemGoOn() {
        String tpl = template("email");
        String type = unique("joined");
        long id = activeScenario(definition(type, "pause", tpl));
        String who = unique("held");
        event(who, type, "{}");
        awaitJourney(who, "waiting", "pause");
        post("/api/v1/scenarios/" + id + "/pause", null).expect(200);
        clock.advance(Duration.ofMinutes(61));
        awaitJourney(who, "held", "send");
        String late = unique("late");
        // Applied while paused: no journey starts (entry is decided when the engine applies the event).
        eventApplied(late, type, "{}");
        post("/api/v1/scenarios/" + id + "/pause", null).expect(409);
        post("/api/v1/scenarios/" + id + "/resume", null).expect(200);
        awaitJourney(who, "completed", "send");
        assertThat(messageRequests(who)).hasSize(1);
        assertThat(get("/api/v1/journeys?contact=" + late).expect(200).json().get("items")).isEmpty();
        post("/api/v1/scenarios/" + id + "/archive", null).expect(200);
        assertThat(get("/api/v1/scenarios/" + id).expect(200).json().get("status").stringValue())
                .isEqualTo("archived");
        put("/api/v1/scenarios/" + id, definition(type, "pause", tpl)).expect(409);
    }
}
