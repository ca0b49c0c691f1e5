package io.activation.api.contact;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A contact upsert publishes what changed and what it was before, and nothing when nothing changed. */
class ContactChangeEventsApiTest extends ApiTest {

    @Test
    void onlyRealChangesArePublishedWithChangedAndPrevious() {
        String id = unique("c");
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            long contactId = put("/api/v1/contacts/" + id, "{\"firstName\": \"Ann\", \"country\": \"BE\"}")
                    .expect(201).json().get("id").longValue();
            // Unchanged, also when written differently (country in lower case is normalised to the same value).
            assertThat(put("/api/v1/contacts/" + id, "{\"firstName\": \"Ann\", \"country\": \"be\"}").expect(200)
                    .json().get("result").stringValue()).isEqualTo("unchanged");
            assertThat(post("/api/v1/contacts/batch", "{\"items\": [{\"externalId\": \"" + id + "\", \"firstName\":"
                    + " \"Ann\"}]}").expect(200).json().at("/results/0/result").stringValue()).isEqualTo("unchanged");
            put("/api/v1/contacts/" + id, "{\"firstName\": \"Anna\", \"attributes\": {}}").expect(200);

            String key = Long.toString(contactId);
            List<JsonNode> events = consumeUntil(consumer, seen -> seen.stream().anyMatch(r -> r.key().equals(key)
                    && value(r).get("type").stringValue().equals("io.activation.contact.updated")),
                    Duration.ofSeconds(30)).stream().filter(r -> r.key().equals(key)).map(ApiTest::value).toList();
            assertThat(events).extracting(e -> e.get("type").stringValue())
                    .containsExactly("io.activation.contact.created", "io.activation.contact.updated");
            JsonNode updated = events.get(1);
            assertThat(updated.at("/data/changed").valueStream().map(JsonNode::stringValue)).containsExactly("firstName");
            assertThat(updated.at("/data/previous/firstName").stringValue()).isEqualTo("Ann");
            assertThat(updated.at("/data/previous").size()).isEqualTo(1);
            assertThat(updated.at("/data/values/firstName").stringValue()).isEqualTo("Anna");
            assertThat(updated.at("/data/values/country").stringValue()).isEqualTo("BE");
        }
    }
}
