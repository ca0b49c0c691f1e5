package io.activation.api.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Entry rules: once ever, once at a time, again after N days, one journey per trigger row. */
class EntryRulesJourneyTest extends JourneyApiSupport {

    private long apiScenario(String entry, String duration) {
        return activeScenario("""
                {"name": "Entry %s", "entry": %s, "trigger": {"type": "api"},
                 "steps": [{"id": "hold", "wait": {"duration": "%s"}}]}
                """.formatted(unique("e"), entry, duration));
    }

    private void trigger(long scenario, String who) {
        post("/api/v1/scenarios/" + scenario + "/trigger", """
                {"contact": {"externalId": "%s"}, "payload": {"source": "test"}}""".formatted(who)).expect(202);
    }

    /** Triggers, then waits until the engine has applied that trigger (it writes the applied record id). */
    private void triggerApplied(long scenario, String who) {
        String id = post("/api/v1/scenarios/" + scenario + "/trigger", """
                {"contact": {"externalId": "%s"}}""".formatted(who)).expect(202).json().get("triggerId")
                .stringValue();
        await("trigger " + id + " applied", () -> jdbcCount("select count(*) from journey_applied where event_id = '"
                + id + "'::uuid"), n -> n == 1);
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    private long jdbcCount(String sql) {
        Long n = jdbc.queryForObject(sql, Long.class);
        return n == null ? 0 : n;
    }

    private String contact() {
        String who = unique("c");
        put("/api/v1/contacts/" + who, "{\"firstName\": \"Eve\"}").expect(201);
        return who;
    }

    @Test
    void onceEverAdmitsAContactOnlyOnceEvenAfterTheJourneyEnded() {
        long scenario = apiScenario("{\"rule\": \"once_ever\"}", "PT1H");
        String who = contact();
        triggerApplied(scenario, who);
        awaitJourney(who, "waiting", "hold");
        clock.advance(Duration.ofMinutes(61));
        awaitJourney(who, "completed", "hold");
        triggerApplied(scenario, who);
        assertThat(journeys(who)).hasSize(1);
        assertThat(journeys(who).get(0).get("status").stringValue()).isEqualTo("completed");
    }

    @Test
    void onceAtATimeAdmitsAgainOnlyAfterTheJourneyEnded() {
        long scenario = apiScenario("{\"rule\": \"once_at_a_time\"}", "PT1H");
        String who = contact();
        triggerApplied(scenario, who);
        triggerApplied(scenario, who);
        assertThat(journeys(who)).hasSize(1);
        clock.advance(Duration.ofMinutes(61));
        awaitJourney(who, "completed", "hold");
        triggerApplied(scenario, who);
        assertThat(journeys(who)).hasSize(2);
        assertThat(journeys(who).get(0).get("status").stringValue()).isEqualTo("waiting");
    }

    @Test
    void againAfterNDaysCountsFromTheLastEntry() {
        long scenario = apiScenario("{\"rule\": \"again_after\", \"days\": 7}", "PT1H");
        String who = contact();
        triggerApplied(scenario, who);
        clock.advance(Duration.ofDays(3));
        awaitJourney(who, "completed", "hold");
        triggerApplied(scenario, who);
        assertThat(journeys(who)).as("3 days after the first entry").hasSize(1);
        clock.advance(Duration.ofDays(4).plusMinutes(1));
        triggerApplied(scenario, who);
        assertThat(journeys(who)).as("7 days after the first entry").hasSize(2);
    }

    @Test
    void onePerTriggerRowStartsOneJourneyPerCartWhateverElseRuns() {
        String carts = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "cart_id",
                 "attributes": [{"name": "cart_id", "type": "text"}, {"name": "status", "type": "text"}]}
                """.formatted(unique("carts")));
        long scenario = activeScenario("""
                {"name": "Per cart", "entry": {"rule": "once_per_trigger_row"},
                 "trigger": {"type": "row", "table": "%s", "changed": ["status"],
                             "where": {"attribute": "status", "op": "eq", "value": "abandoned"}},
                 "steps": [{"id": "hold", "wait": {"duration": "PT1H"}}]}
                """.formatted(carts));
        String who = contact();
        String rows = "/api/v1/tables/" + carts + "/rows";
        for (String cart : new String[] {"k1", "k2"}) {
            post(rows, row(who, cart, "abandoned")).expect(201);
        }
        // The same cart abandoned again (after being reopened) does not start a second journey.
        post(rows, row(who, "k1", "open")).expect(200);
        post(rows, row(who, "k1", "abandoned")).expect(200);
        post(rows, row(who, "k3", "open")).expect(201);
        String marker = unique("marker");
        post(rows, row(who, marker, "abandoned")).expect(201);
        JsonNode all = await("three journeys", () -> journeys(who), items -> items.size() >= 3);
        assertThat(all.findValuesAsString("triggerKey")).containsExactlyInAnyOrder(carts + ":k1", carts + ":k2",
                carts + ":" + marker);
        assertThat(get("/api/v1/scenarios/" + scenario + "/counts").expect(200).json().get("live").intValue())
                .isEqualTo(3);
    }

    @Test
    void theTriggerEndpointHonoursIdempotencyKeysAndRefusesWhatItCannotStart() {
        long scenario = apiScenario("{\"rule\": \"again_after\", \"days\": 1}", "PT1H");
        String who = contact();
        String body = "{\"contact\": {\"externalId\": \"" + who + "\"}, \"payload\": {\"order\": \"o-9\"}}";
        java.util.Map<String, String> key = java.util.Map.of("Idempotency-Key", unique("k"));
        String first = send("POST", "/api/v1/scenarios/" + scenario + "/trigger", body, ADMIN_KEY, key).expect(202)
                .json().get("triggerId").stringValue();
        Response again = send("POST", "/api/v1/scenarios/" + scenario + "/trigger", body, ADMIN_KEY, key)
                .expect(202);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.json().get("triggerId").stringValue()).isEqualTo(first);
        awaitJourney(who, "waiting", "hold");
        assertThat(journey(journeys(who).get(0).get("id").longValue()).at("/trigger/order").stringValue())
                .isEqualTo("o-9");

        post("/api/v1/scenarios/" + scenario + "/trigger", "{\"contact\": {\"externalId\": \"" + unique("nobody")
                + "\"}}").expect(404);
        post("/api/v1/scenarios/" + scenario + "/trigger", "{\"payload\": {}}").expect(422);
        post("/api/v1/scenarios/" + scenario + "/pause", null).expect(200);
        post("/api/v1/scenarios/" + scenario + "/trigger", body).expect(409);
    }

    private static String row(String who, String cart, String status) {
        return """
                {"contact": {"externalId": "%s"}, "values": {"cart_id": "%s", "status": "%s"}}"""
                .formatted(who, cart, status);
    }
}
