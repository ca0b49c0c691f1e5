package io.activation.journey;

import io.activation.api.journey.JourneyApiSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;

/** Engine-level tests: access to the engine runtime, the database and a raw Kafka producer. */
abstract class EngineTestSupport extends JourneyApiSupport {

    @Autowired
    JourneyEngineRuntime runtime;

    @Autowired
    JourneyEngine engine;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    KafkaTemplate<String, String> kafka;

    long count(String sql, Object... args) {
        Long n = jdbc.queryForObject(sql, Long.class, args);
        return n == null ? 0 : n;
    }

    private static final String MARKER = "engine-test-marker";
    private static volatile boolean markerScenario;

    /**
     * Records an event through the API and waits until the engine has applied it: the lane is drained to it. The
     * engine skips records no live scenario can use, so one scenario (of the JVM's shared context) names the marker
     * type in an exit rule; it has no journeys, so the rule ends nothing.
     */
    void marker(String externalId) {
        if (!markerScenario) {
            synchronized (EngineTestSupport.class) {
                if (!markerScenario) {
                    activeScenario("""
                            {"name": "Engine test markers", "trigger": {"type": "api"},
                             "exit": [{"type": "event", "eventType": "%s"}],
                             "steps": [{"id": "end", "exit": {}}]}""".formatted(MARKER));
                    markerScenario = true;
                }
            }
        }
        String id = post("/api/v1/events", """
                {"type": "%s", "contact": {"externalId": "%s"}, "properties": {"marker": "%s"}}"""
                .formatted(MARKER, externalId, unique("marker"))).expect(202).json().get("eventId").stringValue();
        await("marker " + id + " applied", () -> count("select count(*) from journey_applied where event_id = ?::uuid",
                id), n -> n == 1);
    }

    /** A scenario started by API calls that waits an hour, then requests one message. */
    long waitThenSend(String entry) {
        String template = template("email");
        return activeScenario("""
                {"name": "Wait then send", "entry": %s, "trigger": {"type": "api"},
                 "steps": [{"id": "hour", "wait": {"duration": "PT1H"}, "next": "send"},
                           {"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(entry, template));
    }

    /** Stores a draft of the scenario and returns the problems validation names, field to message. */
    java.util.Map<String, String> problemsOf(String scenarioJson) {
        long id = post("/api/v1/scenarios", scenarioJson).expect(201).json().get("id").longValue();
        var answer = post("/api/v1/scenarios/" + id + "/validate", null);
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        if (answer.status() == 200) {
            return out;
        }
        answer.expect(422).json().get("errors").forEach(e -> out.merge(e.get("field").stringValue(),
                e.get("message").stringValue(), (a, b) -> a + " | " + b));
        return out;
    }

    /** Defines a behaviour score (its rule never fires: the journey's step is the only source of points). */
    String score() {
        String name = unique("s");
        post("/api/v1/scores", """
                {"name": "%s", "rules": [{"event": "%s", "points": 1}]}""".formatted(name, unique("never")))
                .expect(201);
        return name;
    }

    /** The outcomes and reasons of a journey's history, in order ("outcome: reason"). */
    java.util.List<String> history(long journeyId) {
        java.util.List<String> out = new java.util.ArrayList<>();
        journey(journeyId).get("history").forEach(h -> out.add(h.get("outcome").stringValue() + ": "
                + h.path("reason").asString("")));
        return out;
    }

    /** An interaction table of orders (business key order_no, time attribute ordered_at). */
    String ordersTable() {
        return defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "text"}, {"name": "total", "type": "decimal"},
                   {"name": "ordered_at", "type": "timestamp"}]}""".formatted(unique("orders")));
    }

    /** Records an order of the contact now (by the test clock) and waits until the engine has applied it. */
    void order(String orders, String externalId, String orderNo) {
        post("/api/v1/tables/" + orders + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"order_no": "%s", "total": 50,
                 "ordered_at": "%s"}}""".formatted(externalId, orderNo, clock.instant())).expect(201);
        marker(externalId);
    }

    String triggerFor(long scenario, String externalId) {
        return post("/api/v1/scenarios/" + scenario + "/trigger", "{\"contact\": {\"externalId\": \"" + externalId
                + "\"}}").expect(202).json().get("triggerId").stringValue();
    }
}
