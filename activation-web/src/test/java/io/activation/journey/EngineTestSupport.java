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

    /** Records an event through the API and waits until the engine has applied it: the lane is drained to it. */
    void marker(String externalId) {
        String id = post("/api/v1/events", """
                {"type": "%s", "contact": {"externalId": "%s"}}""".formatted(unique("marker"), externalId))
                .expect(202).json().get("eventId").stringValue();
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

    String triggerFor(long scenario, String externalId) {
        return post("/api/v1/scenarios/" + scenario + "/trigger", "{\"contact\": {\"externalId\": \"" + externalId
                + "\"}}").expect(202).json().get("triggerId").stringValue();
    }
}
