package io.activation.api.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A visitor becomes a known user: the anonymous history moves to the user, as Segment clients expect. */
class SegmentIdentityApiTest extends SegmentTestSupport {

    private static final String MERGED = "io.activation.contact.merged";

    @Test
    void identifyAfterAnonymousActivityMergesTheHistoryIntoTheKnownContact() {
        String anonymousId = unique("anon");
        String userId = unique("u");
        String viewed = unique("m");
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            segment("/v1/track", """
                    {"anonymousId": "%s", "messageId": "%s", "event": "Product Viewed",
                     "properties": {"product_id": "507f1f77bcf86cd799439011", "name": "Monopoly: 3rd Edition"}}"""
                    .formatted(anonymousId, viewed)).expect(200);
            long anonymousContactId = event(viewed).contactId();

            segment("/v1/identify", """
                    {"userId": "%s", "anonymousId": "%s", "traits": {"email": "ann@example.com"}}"""
                    .formatted(userId, anonymousId)).expect(200);

            JsonNode contact = get("/api/v1/contacts/" + userId).expect(200).json();
            long contactId = contact.get("id").longValue();
            assertThat(contactId).isNotEqualTo(anonymousContactId);
            assertThat(contact.get("anonymousIds")).extracting(JsonNode::stringValue).containsExactly(anonymousId);
            assertThat(event(viewed).contactId()).isEqualTo(contactId);
            assertThat(eventsOf(userId)).extracting(StoredEvent::type)
                    .containsExactlyInAnyOrder("product_viewed", "identify");
            get("/api/v1/contacts/by-id/" + anonymousContactId).expect(404);

            List<ConsumerRecord<String, String>> records = consumeUntil(consumer, seen -> seen.stream()
                    .anyMatch(r -> MERGED.equals(value(r).path("type").asString(""))
                            && r.key().equals(Long.toString(contactId))), Duration.ofSeconds(30));
            JsonNode merged = records.stream().map(r -> value(r))
                    .filter(v -> MERGED.equals(v.path("type").asString(""))).findFirst().orElseThrow();
            assertThat(merged.at("/data/mergedContactId").longValue()).isEqualTo(anonymousContactId);
            assertThat(merged.at("/data/contactId").longValue()).isEqualTo(contactId);
        }
    }

    @Test
    void aTrackCallNamingBothIdsAlsoTiesTheVisitorToTheUser() {
        String anonymousId = unique("anon");
        String userId = unique("u");
        String before = unique("m");
        segment("/v1/page", """
                {"anonymousId": "%s", "messageId": "%s", "name": "Home"}""".formatted(anonymousId, before))
                .expect(200);
        // analytics-node on the server, after login, with the browser's anonymousId (no identify call).
        segment("/v1/track", """
                {"userId": "%s", "anonymousId": "%s", "event": "Order Completed",
                 "properties": {"total": 10}}""".formatted(userId, anonymousId)).expect(200);

        long contactId = get("/api/v1/contacts/" + userId).expect(200).json().get("id").longValue();
        assertThat(event(before).contactId()).isEqualTo(contactId);
        assertThat(eventsOf(userId)).extracting(StoredEvent::type)
                .containsExactlyInAnyOrder("page_viewed", "order_completed");
        // Later anonymous calls of that visitor land on the user.
        String after = unique("m");
        segment("/v1/track", """
                {"anonymousId": "%s", "messageId": "%s", "event": "Cart Viewed"}""".formatted(anonymousId, after))
                .expect(200);
        assertThat(event(after).contactId()).isEqualTo(contactId);
    }
}
