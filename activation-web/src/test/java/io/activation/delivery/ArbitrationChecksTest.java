package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Consent, suppression and a usable address, checked per channel in the request's order, each recorded. */
class ArbitrationChecksTest extends DeliveryTestSupport {

    @Test
    void marketingNeedsTheChannelsMarketingConsentTransactionalDoesNot() {
        String who = unique("consent");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");

        long withoutConsent = request(contact, List.of("email"), marketing());
        assertThat(awaitStatus(withoutConsent, "skipped")).isEqualTo("skipped");
        assertThat(steps(withoutConsent)).containsExactly("consent/email/blocked", "channel/-/skipped");
        assertThat(reasons(withoutConsent).get(0)).isEqualTo("no marketing consent for email");
        assertThat(deliveryChannels(withoutConsent)).isEmpty();

        long transactional = request(contact, List.of("email"), transactional());
        awaitStatus(transactional, "dispatched");
        // Arbitration's part of the trail; the application's e-mail sender may already have added "send/email/sent".
        assertThat(steps(transactional)).startsWith("consent/email/passed", "suppression/email/passed",
                "address/email/passed", "cap/email/passed", "channel/email/chosen");
        assertThat(reasons(transactional).get(0)).isEqualTo("transactional: needs no marketing consent");

        consent(who, "email", "marketing", "granted");
        long granted = request(contact, List.of("email"), marketing());
        awaitStatus(granted, "dispatched");
        assertThat(deliveryChannels(granted)).containsExactly("email");

        consent(who, "email", "marketing", "withdrawn");
        long withdrawn = request(contact, List.of("email"), marketing());
        awaitStatus(withdrawn, "skipped");
        assertThat(reasons(withdrawn).get(0)).startsWith("marketing consent for email withdrawn on");

        consent(who, "email", "transactional", "withdrawn");
        long transactionalWithdrawn = request(contact, List.of("email"), transactional());
        awaitStatus(transactionalWithdrawn, "skipped");
        assertThat(reasons(transactionalWithdrawn).get(0)).startsWith("transactional email withdrawn on");
    }

    @Test
    void aDispatchedRequestBecomesAQueuedDeliveryAndAnEventOnTheChannelsTopic() {
        String who = unique("dispatch");
        long contact = contact(who, "{\"email\": \"" + who + "@Example.com\"}");
        consent(who, "email", "marketing", "granted");
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, unique("test"));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(deliveryProperties.channelTopic("email")));
            long id = request(contact, List.of("email"), marketing());
            awaitStatus(id, "dispatched");
            long deliveryId = deliveryId(id, "email");
            String dedupe = jdbc.queryForObject("select dedupe_key from message_requests where id = ?", String.class,
                    id);
            JsonNode delivery = trail(id).get("deliveries").get(0);
            // Queued by arbitration; the application's e-mail sender (mail catcher) may have taken it since.
            assertThat(delivery.get("status").stringValue()).isIn("queued", "sending", "sent");
            assertThat(delivery.get("messageKey").stringValue()).isEqualTo(dedupe + ":email");
            assertThat(delivery.get("address").stringValue()).isEqualTo(who + "@example.com");

            JsonNode event = null;
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (event == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode e = JSON.readTree(r.value());
                    if (e.path("data").path("deliveryId").asLong() == deliveryId) {
                        assertThat(r.key()).isEqualTo(Long.toString(contact));
                        event = e;
                    }
                }
            }
            assertThat(event).as("the dispatch event of delivery %s", deliveryId).isNotNull();
            assertThat(event.get("type").stringValue()).isEqualTo("io.activation.message.dispatched");
            JsonNode data = event.get("data");
            assertThat(data.get("messageKey").stringValue()).isEqualTo(dedupe + ":email");
            assertThat(data.get("requestId").longValue()).isEqualTo(id);
            assertThat(data.get("contactId").longValue()).isEqualTo(contact);
            assertThat(data.get("channel").stringValue()).isEqualTo("email");
            assertThat(data.get("template").stringValue()).isEqualTo("tpl-email");
            assertThat(data.get("address").stringValue()).isEqualTo(who + "@example.com");

            // Deciding it again (a replay) dispatches nothing twice.
            assertThat(arbitration.decide(id)).isFalse();
            arbitration.arrive(id);
            assertThat(deliveryChannels(id)).containsExactly("email");
        }
    }

    @Test
    void aSuppressedAddressIsNotSentToAndTheNextChannelIsTried() {
        String who = unique("suppressed");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\", \"phone\": \"+32470123456\"}");
        consent(who, "email", "marketing", "granted");
        consent(who, "sms", "marketing", "granted");
        post("/api/v1/suppressions", """
                {"channel": "email", "address": "%s@EXAMPLE.com", "reason": "hard-bounce", "detail": "550 no such user"}
                """.formatted(who)).expect(201);

        long id = request(contact, List.of("email", "sms"), marketing());
        awaitStatus(id, "dispatched");
        assertThat(steps(id)).containsExactly("consent/email/passed", "suppression/email/blocked",
                "consent/sms/passed", "suppression/sms/passed", "address/sms/passed", "cap/sms/passed",
                "channel/sms/chosen");
        assertThat(reasons(id).get(1)).isEqualTo("suppressed: " + who + "@example.com (hard-bounce, api)");
        assertThat(deliveryChannels(id)).containsExactly("sms");

        delete("/api/v1/suppressions/email/" + who + "@example.com").expect(204);
        long after = request(contact, List.of("email", "sms"), marketing());
        awaitStatus(after, "dispatched");
        assertThat(deliveryChannels(after)).containsExactly("email");
    }

    @Test
    void withoutAUsableAddressAChannelIsUnreachable() {
        String who = unique("address");
        long contact = contact(who, "{\"firstName\": \"Nobody\"}");
        for (String channel : List.of("email", "sms", "push", "print")) {
            consent(who, channel, "marketing", "granted");
        }
        long id = request(contact, List.of("push", "email", "sms", "print", "webhook"), marketing());
        awaitStatus(id, "skipped");
        assertThat(steps(id)).containsExactly("consent/push/passed", "address/push/blocked",
                "consent/email/passed", "address/email/blocked", "consent/sms/passed", "address/sms/blocked",
                "consent/print/passed", "address/print/blocked", "channel/webhook/blocked", "channel/-/skipped");
        List<String> reasons = reasons(id);
        assertThat(reasons.get(1)).isEqualTo("the contact has no registered device");
        assertThat(reasons.get(3)).isEqualTo("the contact has no e-mail address");
        assertThat(reasons.get(5)).isEqualTo("the contact has no phone number");
        assertThat(reasons.get(7)).isEqualTo("'address_line1' (a postal address attribute) is not a contact attribute");
        assertThat(reasons.get(8)).isEqualTo("no sender serves channel webhook in this installation");

        // A device token makes push reachable: one delivery per token.
        jdbc.update("insert into device_tokens (token, contact_id, platform, created_at, last_seen_at)"
                + " values (?, ?, 'android', now(), now())", who + "-token-1", contact);
        long push = request(contact, List.of("push"), marketing());
        awaitStatus(push, "dispatched");
        String key = jdbc.queryForObject("select message_key from deliveries where request_id = ?", String.class,
                push);
        assertThat(key).matches(".*:push:[0-9a-f]{16}");
    }
}
