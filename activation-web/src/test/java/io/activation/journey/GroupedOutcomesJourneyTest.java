package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.Arbitration;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.EventGroups;
import io.activation.ingest.EventPartitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Arbitration's skipped events reach a journey waiting for {@code io.activation.message.skipped} when they travel
 * grouped in a {@code message.outcomes} record (ADR 0022): the journey moves on exactly as with a record of its own,
 * and a replay of the grouped record applies nothing twice.
 *
 * <p>The requests are made to wait in the arbitration window (a cap of the scenario applies to them), so the poller
 * decides them all in one batch when the clock moves past it; eight contacts on the topic's six partitions, so at
 * least two of their skips share a record.
 */
class GroupedOutcomesJourneyTest extends EngineTestSupport {

    private static final int CONTACTS = 8;

    @Test
    void aJourneyWaitingForMessageSkippedMovesOnWhenTheSkipArrivesGroupedAndAReplayAppliesNothing() {
        String template = template("email");
        long scenario = activeScenario("""
                {"name": "%s", "trigger": {"type": "api"},
                 "steps": [
                   {"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}]}, "next": "skipped?"},
                   {"id": "skipped?", "waitForEvent": {"eventType": "io.activation.message.skipped", "timeout": "P2D",
                        "where": {"attribute": "stepId", "op": "eq", "value": "send"},
                        "onEvent": "fallback", "onTimeout": "late"}},
                   {"id": "fallback", "wait": {"duration": "P30D"}},
                   {"id": "late", "wait": {"duration": "P30D"}}
                 ]}""".formatted(unique("Skip fallback"), template));
        long cap = post("/api/v1/frequency-caps", """
                {"name": "%s", "scope": "scenario", "scenarioId": %d, "max": 100, "window": "P1D"}"""
                .formatted(unique("window"), scenario)).expect(201).json().get("id").longValue();
        try (KafkaConsumer<String, String> events = eventsConsumer()) {
            List<String> people = new ArrayList<>();
            for (int i = 0; i < CONTACTS; i++) {
                String who = unique("grouped");
                // An address but no marketing consent: arbitration skips the request ("no channel").
                put("/api/v1/contacts/" + who, "{\"email\": \"" + who + "@example.com\"}").expect(201);
                triggerFor(scenario, who);
                people.add(who);
            }
            people.forEach(who -> awaitJourney(who, "waiting", "skipped?"));
            await("the requests held in the arbitration window", () -> count(
                    "select count(*) from message_requests where scenario_id = ? and status = 'pending'", scenario),
                    n -> n == CONTACTS);
            Map<Long, Long> requestOfContact = new HashMap<>();
            jdbc.query("select contact_id, id from message_requests where scenario_id = ?",
                    rs -> { requestOfContact.put(rs.getLong(1), rs.getLong(2)); }, scenario);

            clock.advance(Duration.ofMinutes(2));

            // Every journey took the event branch, none the timeout.
            List<Long> journeyIds = new ArrayList<>();
            for (String who : people) {
                JsonNode j = awaitJourney(who, "waiting", "fallback");
                journeyIds.add(j.get("id").longValue());
                assertThat(history(j.get("id").longValue())).anyMatch(h -> h.startsWith("event"))
                        .noneMatch(h -> h.startsWith("timeout"));
            }

            // The skips on Kafka: expanded, each request's skip exactly once; some of them came grouped.
            Set<Long> requests = Set.copyOf(requestOfContact.values());
            List<ConsumerRecord<String, String>> seen = consumeUntil(events, records -> skips(records, requests)
                    .size() == CONTACTS, Duration.ofSeconds(30));
            List<ConsumerRecord<String, String>> grouped = seen.stream().filter(r -> type(r).equals(
                    Arbitration.OUTCOMES) && members(r).stream().anyMatch(m -> requests.contains(requestOf(m))))
                    .toList();
            assertThat(grouped).as("at least two of eight contacts share one of six partitions").isNotEmpty();
            int partitions = kafka.partitionsFor("activation.events").size();
            for (ConsumerRecord<String, String> r : grouped) {
                List<EventGroups.Member> members = members(r);
                assertThat(members).hasSizeGreaterThanOrEqualTo(2);
                // Every member's contact maps to the partition the record landed on.
                assertThat(members).allSatisfy(m -> assertThat(EventPartitions.partitionOf(m.contactId(),
                        partitions)).isEqualTo(r.partition()));
                for (EventGroups.Member m : members) {
                    if (requests.contains(requestOf(m))) {
                        assertThat(m.type()).isEqualTo(Arbitration.SKIPPED);
                        // The id a record of its own would have: a replayed decision publishes the same one.
                        assertThat(m.id()).isEqualTo(ChangeEvents.deterministicId("message-skipped:" + requestOf(m)
                                + ":skipped"));
                        assertThat(m.data().get("stepId").stringValue()).isEqualTo("send");
                        assertThat(requestOfContact.get(m.contactId())).isEqualTo(requestOf(m));
                        assertThat(count("select count(*) from journey_applied where event_id = ?", m.id()))
                                .isEqualTo(1);
                    }
                }
            }
            assertThat(skips(seen, requests).values()).allMatch(n -> n == 1);

            // A replay of the grouped records (a redelivery) applies nothing and changes no journey.
            Map<Long, List<String>> before = new HashMap<>();
            journeyIds.forEach(id -> before.put(id, history(id)));
            EngineListener listener = new EngineListener(engine);
            for (ConsumerRecord<String, String> r : grouped) {
                List<EngineEvent> replayed = EngineListener.parseAll(r.value()).stream().filter(engine::concerns)
                        .toList();
                assertThat(replayed).isNotEmpty();
                assertThat(engine.applyAll(replayed)).isZero();
                listener.onMessage(List.of(r));
            }
            journeyIds.forEach(id -> assertThat(history(id)).isEqualTo(before.get(id)));
            assertThat(count("select count(*) from message_requests where scenario_id = ?", scenario))
                    .isEqualTo(CONTACTS);
        } finally {
            delete("/api/v1/frequency-caps/" + cap);
        }
    }

    /** How often each of these requests' skips appears in the records, grouped ones expanded. */
    private static Map<Long, Long> skips(List<ConsumerRecord<String, String>> records, Set<Long> requests) {
        List<Long> found = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            String type = type(r);
            if (type.equals(Arbitration.OUTCOMES)) {
                members(r).stream().filter(m -> m.type().equals(Arbitration.SKIPPED)).map(m -> requestOf(m))
                        .filter(requests::contains).forEach(found::add);
            } else if (type.equals(Arbitration.SKIPPED)) {
                long request = value(r).get("data").get("requestId").longValue();
                if (requests.contains(request)) {
                    found.add(request);
                }
            }
        }
        return found.stream().collect(Collectors.groupingBy(x -> x, Collectors.counting()));
    }

    private static String type(ConsumerRecord<String, String> r) {
        return ChangeEvents.typeOf(r.value());
    }

    private static List<EventGroups.Member> members(ConsumerRecord<String, String> r) {
        JsonNode v = value(r);
        return EventGroups.expand(v.get("id").stringValue(), v.get("data"));
    }

    private static long requestOf(EventGroups.Member m) {
        return m.data().path("requestId").asLong();
    }
}
