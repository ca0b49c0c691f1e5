package io.activation.api.contact;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ContactApiTest extends ApiTest {

    @Test
    void upsertNormalisesTheProfileAndPublishesOneChangeEventKeyedByContact() {
        String id = unique("c");
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            JsonNode created = put("/api/v1/contacts/" + id, """
                    {"email": "Ann.Peeters@Example.BE", "phone": "0470 12 34 56", "country": "be",
                     "firstName": "Ann", "birthDate": "1990-02-28", "locale": "nl_BE", "timeZone": "Europe/Brussels"}
                    """).expect(201).json();
            assertThat(created.get("email").stringValue()).isEqualTo("Ann.Peeters@example.be");
            assertThat(created.get("phone").stringValue()).isEqualTo("+32470123456");
            assertThat(created.get("country").stringValue()).isEqualTo("BE");
            assertThat(created.get("locale").stringValue()).isEqualTo("nl-BE");
            long contactId = created.get("id").longValue();

            List<ConsumerRecord<String, String>> records = consumeUntil(consumer, seen -> seen.stream()
                    .anyMatch(r -> r.key().equals(Long.toString(contactId))), Duration.ofSeconds(20));
            ConsumerRecord<String, String> record = records.stream()
                    .filter(r -> r.key().equals(Long.toString(contactId))).findFirst().orElseThrow();
            JsonNode event = value(record);
            assertThat(event.get("specversion").stringValue()).isEqualTo("1.0");
            assertThat(event.get("type").stringValue()).isEqualTo("io.activation.contact.created");
            assertThat(event.get("contactid").stringValue()).isEqualTo(Long.toString(contactId));
            assertThat(event.at("/data/values/email").stringValue()).isEqualTo("Ann.Peeters@example.be");
        }
    }

    @Test
    void updateChangesOnlyWhatWasSentAndReportsUnchanged() {
        String id = unique("c");
        put("/api/v1/contacts/" + id, "{\"firstName\": \"Bo\", \"lastName\": \"Smet\"}").expect(201);
        JsonNode updated = put("/api/v1/contacts/" + id, "{\"lastName\": \"Smets\"}").expect(200).json();
        assertThat(updated.get("firstName").stringValue()).isEqualTo("Bo");
        assertThat(updated.get("lastName").stringValue()).isEqualTo("Smets");
        assertThat(updated.get("result").stringValue()).isEqualTo("updated");
        assertThat(put("/api/v1/contacts/" + id, "{\"lastName\": \"Smets\"}").expect(200).json()
                .get("result").stringValue()).isEqualTo("unchanged");
        JsonNode cleared = put("/api/v1/contacts/" + id, "{\"firstName\": null}").expect(200).json();
        assertThat(cleared.get("firstName").isNull()).isTrue();
    }

    @Test
    void invalidFieldsAreAllNamedAndNothingIsWritten() {
        String id = unique("c");
        JsonNode problem = put("/api/v1/contacts/" + id, """
                {"email": "not-an-address", "phone": "12", "timeZone": "Mars/Olympus", "shoeSize": 42}
                """).expect(422).json();
        assertThat(problem.get("type").stringValue()).endsWith("/invalid-input");
        assertThat(problem.findValuesAsString("field")).contains("shoeSize");
        problem = put("/api/v1/contacts/" + id, """
                {"email": "not-an-address", "phone": "12", "timeZone": "Mars/Olympus"}
                """).expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("email", "phone", "timeZone");
        get("/api/v1/contacts/" + id).expect(404);
    }

    @Test
    void deleteRemovesTheContact() {
        String id = unique("c");
        put("/api/v1/contacts/" + id, "{\"email\": \"x@example.com\"}").expect(201);
        delete("/api/v1/contacts/" + id).expect(204);
        get("/api/v1/contacts/" + id).expect(404);
        delete("/api/v1/contacts/" + id).expect(404);
    }

    @Test
    void searchFindsByEmailCaseInsensitively() {
        String id = unique("c");
        String email = id + "@Example.com";
        put("/api/v1/contacts/" + id, "{\"email\": \"" + email + "\"}").expect(201);
        JsonNode found = get("/api/v1/contacts?email=" + email.toUpperCase()).expect(200).json();
        assertThat(found.get("items")).hasSize(1);
        assertThat(found.at("/items/0/externalId").stringValue()).isEqualTo(id);
    }
}
