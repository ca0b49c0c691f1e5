package io.activation.api.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Validation names every problem of a scenario with its path, and an invalid scenario cannot be activated. */
class ScenarioValidationApiTest extends JourneyApiSupport {

    private JsonNode problems(long id) {
        JsonNode problem = post("/api/v1/scenarios/" + id + "/validate", null).expect(422).json();
        assertThat(problem.get("type").stringValue()).endsWith("/invalid-input");
        return problem.get("errors");
    }

    private static List<String> fields(JsonNode errors) {
        return errors.findValuesAsString("field");
    }

    private static String message(JsonNode errors, String field) {
        for (JsonNode e : errors) {
            if (e.get("field").stringValue().equals(field)) {
                return e.get("message").stringValue();
            }
        }
        throw new AssertionError("no problem for " + field + " in " + errors);
    }

    @Test
    void everyKindOfProblemIsNamedWithItsPathAndActivationIsRefused() {
        String carts = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "cart_id",
                 "attributes": [{"name": "cart_id", "type": "text"}, {"name": "status", "type": "text"}]}
                """.formatted(unique("carts")));
        String email = template("email");
        long id = post("/api/v1/scenarios", """
                {"name": "Broken",
                 "trigger": {"type": "row", "table": "%1$s", "where": {"attribute": "colour", "op": "eq", "value": "x"}},
                 "steps": [
                   {"id": "start", "wait": {"duration": "one hour"}, "next": "check"},
                   {"id": "check", "condition": {"rule": {"attribute": "shoe_size", "op": "gt", "value": 40},
                    "then": "send"}},
                   {"id": "send", "send": {"channels": [{"channel": "email", "template": "no-such-template"},
                        {"channel": "sms", "template": "%2$s"}]}, "next": "tz"},
                   {"id": "tz", "waitUntil": {"time": "09:00", "timeZone": "Mars/Olympus"}, "next": "a"},
                   {"id": "a", "updateContact": {"attributes": {"first_name": "x"}}, "next": "b"},
                   {"id": "b", "updateRow": {"table": "no_such_table", "values": {"k": "1"}}, "next": "a"},
                   {"id": "island", "exit": {}}
                 ]}
                """.formatted(carts, email)).expect(201).json().get("id").longValue();
        JsonNode errors = problems(id);
        assertThat(fields(errors)).contains("trigger.where.attribute", "steps[0].wait.duration",
                "steps[1].condition.rule.attribute", "steps[1].condition.else", "steps[2].send.channels[0].template",
                "steps[2].send.channels[1].template", "steps[3].waitUntil.timeZone", "steps[5].updateRow.table",
                "steps[6]", "steps[4]");
        assertThat(message(errors, "trigger.where.attribute")).contains("'colour' is not an attribute");
        assertThat(message(errors, "steps[0].wait.duration")).contains("ISO-8601 duration");
        assertThat(message(errors, "steps[1].condition.rule.attribute"))
                .contains("'shoe_size' is not an attribute of contacts");
        assertThat(message(errors, "steps[1].condition.else")).contains("missing branch");
        assertThat(message(errors, "steps[2].send.channels[0].template")).contains("unknown template");
        assertThat(message(errors, "steps[3].waitUntil.timeZone")).contains("not a time zone");
        assertThat(message(errors, "steps[5].updateRow.table")).contains("unknown table");
        assertThat(message(errors, "steps[6]")).contains("unreachable step");
        assertThat(message(errors, "steps[4]")).contains("loop without a wait");

        JsonNode refused = post("/api/v1/scenarios/" + id + "/activate", null).expect(422).json();
        assertThat(fields(refused.get("errors"))).contains("steps[0].wait.duration");
        assertThat(get("/api/v1/scenarios/" + id).expect(200).json().get("status").stringValue()).isEqualTo("draft");
    }

    @Test
    void aLoopThroughAWaitIsFineAndAFixedScenarioActivates() {
        String email = template("email");
        String type = unique("visited");
        long id = post("/api/v1/scenarios", """
                {"name": "Nagging loop", "trigger": {"type": "event", "eventType": "%s"},
                 "steps": [
                   {"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}]}, "next": "pause"},
                   {"id": "pause", "wait": {"duration": "P7D"}, "next": "send"}
                 ]}
                """.formatted(type, email)).expect(201).json().get("id").longValue();
        assertThat(post("/api/v1/scenarios/" + id + "/validate", null).expect(200).json().get("valid").booleanValue())
                .isTrue();
        JsonNode active = post("/api/v1/scenarios/" + id + "/activate", null).expect(200).json();
        assertThat(active.get("status").stringValue()).isEqualTo("active");
        assertThat(active.get("activeVersion").intValue()).isEqualTo(1);
    }

    @Test
    void structuralProblemsAreNamedToo() {
        long id = post("/api/v1/scenarios", """
                {"name": "Structure", "trigger": {"type": "telepathy"},
                 "steps": [{"id": "a", "split": {"variants": [{"name": "A", "percent": 60, "next": "b"}],
                            "holdout": 10}},
                           {"id": "b", "teleport": {}}],
                 "entry": {"rule": "again_after"}}
                """).expect(201).json().get("id").longValue();
        assertThat(fields(problems(id))).contains("trigger.type", "steps[0].split.variants", "steps[1].teleport",
                "entry.days");
    }

    @Test
    void aDraftNeedsAnObjectWithANameAndARefusedOneChangesNothing() {
        JsonNode problem = post("/api/v1/scenarios", "{\"steps\": []}").expect(422).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("name");
        post("/api/v1/scenarios", "[1, 2]").expect(422);
        String name = unique("nameless");
        assertThat(get("/api/v1/scenarios").expect(200).json().get("items").findValuesAsString("name"))
                .doesNotContain(name);
    }

    @Test
    void anInvalidTimeZoneOnTheScenarioAndAnUnknownBranchTargetAreNamed() {
        String type = unique("signed_up");
        long id = post("/api/v1/scenarios", """
                {"name": "Zones", "timeZone": "Europe/Atlantis", "trigger": {"type": "event", "eventType": "%s"},
                 "steps": [{"id": "w", "waitForEvent": {"eventType": "email_opened", "timeout": "P0D",
                            "onEvent": "nowhere", "onTimeout": "end"}},
                           {"id": "end", "exit": {}}]}
                """.formatted(type)).expect(201).json().get("id").longValue();
        JsonNode errors = problems(id);
        assertThat(message(errors, "timeZone")).contains("not a time zone");
        assertThat(message(errors, "steps[0].waitForEvent.timeout")).contains("positive");
        assertThat(message(errors, "steps[0].waitForEvent.onEvent")).contains("names no step");
    }
}
