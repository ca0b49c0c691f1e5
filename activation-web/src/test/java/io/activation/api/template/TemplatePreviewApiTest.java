package io.activation.api.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.template.Shop;
import io.activation.template.ShopTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** Templates per channel over REST: parts, Liquid checked on save, preview for a contact, test send. */
class TemplatePreviewApiTest extends ShopTest {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void partsPerChannelAreStoredAndTheFirstApiShapeStillWorks() {
        String name = unique("t").replace('_', '-');
        JsonNode created = post("/api/v1/templates", """
                {"name": "%s", "channel": "email", "parts": {"subject": "Hi {{ contact.first_name }}",
                 "html": "<p>Hello</p>", "text": "Hello"}}""".formatted(name)).expect(201).json();
        assertThat(created.get("subject").stringValue()).isEqualTo("Hi {{ contact.first_name }}");
        assertThat(created.get("body").stringValue()).isEqualTo("<p>Hello</p>");
        assertThat(created.at("/parts/text").stringValue()).isEqualTo("Hello");

        JsonNode legacy = post("/api/v1/templates", """
                {"name": "%s", "channel": "push", "subject": "Title", "body": "Body"}""".formatted(name))
                .expect(201).json();
        assertThat(legacy.at("/parts/title").stringValue()).isEqualTo("Title");
        assertThat(legacy.at("/parts/body").stringValue()).isEqualTo("Body");
        JsonNode sms = post("/api/v1/templates", """
                {"name": "%s", "channel": "sms", "body": "Hi"}""".formatted(name)).expect(201).json();
        assertThat(sms.at("/parts/text").stringValue()).isEqualTo("Hi");
        assertThat(sms.get("body").stringValue()).isEqualTo("Hi");
    }

    @Test
    void brokenOrForbiddenLiquidIsRefusedOnSaveNamingThePart() {
        String name = unique("t").replace('_', '-');
        JsonNode problem = post("/api/v1/templates", """
                {"name": "%s", "channel": "email", "parts": {"subject": "{%% if %%}",
                 "html": "{%% include '/etc/passwd' %%}", "text": "{{ x | where_exp: 'y', 'y.class' }}"}}"""
                .formatted(name)).expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactlyInAnyOrder("parts.subject",
                "parts.html", "parts.text");

        JsonNode wrongParts = post("/api/v1/templates", """
                {"name": "%s", "channel": "wallet", "parts": {"passType": "boarding", "html": "x"},
                 "data": {"bad key!": "x", "points": "{{ unclosed"}}""".formatted(name)).expect(422).json();
        assertThat(wrongParts.get("errors").findValuesAsString("field")).containsExactlyInAnyOrder(
                "parts.passType", "parts.html", "parts.description", "data.bad key!", "data.points");
        post("/api/v1/templates", """
                {"name": "%s", "channel": "sms", "body": "a", "parts": {"text": "b"}}""".formatted(name))
                .expect(422);
        // The first API's shorthands are named as sent.
        assertThat(post("/api/v1/templates", """
                {"name": "%s", "channel": "email", "subject": "{{ oops", "body": "{%% for %%}"}""".formatted(name))
                .expect(422).json().get("errors").findValuesAsString("field")).containsExactlyInAnyOrder("subject",
                "body");
        post("/api/v1/templates", """
                {"name": "%s", "channel": "sms", "parts": {"text": 5}}""".formatted(name)).expect(422);
        post("/api/v1/templates", """
                {"name": "%s", "channel": "sms", "body": "x", "data": {"a": "b"}}""".formatted(name)).expect(422);
        assertThat(get("/api/v1/templates?channel=sms").expect(200).json().get("items").findValuesAsString("name"))
                .doesNotContain(name);
    }

    @Test
    void previewRendersForAContactWithoutTrackingAndCountsSmsSegments() {
        Shop shop = shop();
        long email = create("email", """
                {"subject": "{{ contact.firstName }}", "html": "<a href=\\"https://shop.example/\\">{%% for l in trigger.related.%s %%}{{ l.product.name }} {%% endfor %%}</a>"}"""
                .formatted(shop.lines()));
        JsonNode preview = post("/api/v1/templates/" + email + "/preview", """
                {"contact": {"externalId": "%s"}, "context": %s}""".formatted(shop.ann(), shop.orderTrigger()))
                .expect(200).json();
        assertThat(preview.at("/parts/subject").stringValue()).isEqualTo("Ann");
        assertThat(preview.at("/parts/html").stringValue())
                .isEqualTo("<a href=\"https://shop.example/\">Kettle Mug </a>");
        assertThat(preview.at("/parts/text").stringValue()).isEqualTo("Kettle Mug (https://shop.example/)");
        assertThat(preview.has("sms")).isFalse();

        long gsm = create("sms", "{\"text\": \"" + "{{ contact.first_name }} ".repeat(40).strip() + "\"}");
        JsonNode sms = post("/api/v1/templates/" + gsm + "/preview", """
                {"contact": {"externalId": "%s"}}""".formatted(shop.ann())).expect(200).json();
        assertThat(sms.at("/sms/characters").intValue()).isEqualTo(159);
        assertThat(sms.at("/sms/encoding").stringValue()).isEqualTo("GSM-7");
        assertThat(sms.at("/sms/segments").intValue()).isEqualTo(1);
        long euro = create("sms", "{\"text\": \"{{ contact.first_name }} € " + "x".repeat(154) + "\"}");
        assertThat(post("/api/v1/templates/" + euro + "/preview", "{\"contact\": {\"externalId\": \"%s\"}}"
                .formatted(shop.ann())).expect(200).json().at("/sms/segments").intValue()).isEqualTo(2);
        long unicode = create("sms", "{\"text\": \"Hi {{ contact.first_name }} 😀\"}");
        JsonNode ucs = post("/api/v1/templates/" + unicode + "/preview", """
                {"contact": {"externalId": "%s"}}""".formatted(shop.ann())).expect(200).json();
        assertThat(ucs.at("/sms/encoding").stringValue()).isEqualTo("UCS-2");
        assertThat(ucs.at("/sms/characters").intValue()).isEqualTo(8);
        assertThat(ucs.at("/sms/units").intValue()).isEqualTo(9);
    }

    @Test
    void previewProblemsNameTheField() {
        Shop shop = shop();
        long id = create("sms", "{\"text\": \"{% for i in (1..100000) %}x{% endfor %}\"}");
        JsonNode problem = post("/api/v1/templates/" + id + "/preview", """
                {"contact": {"externalId": "%s"}}""".formatted(shop.ann())).expect(422).json();
        assertThat(problem.at("/errors/0/field").stringValue()).isEqualTo("parts.text");
        assertThat(problem.at("/errors/0/message").stringValue()).contains("loop iterations");
        assertThat(post("/api/v1/templates/" + id + "/preview", "{\"contact\": {\"externalId\": \"%s\"}}"
                .formatted(unique("nobody"))).expect(404).json().at("/errors/0/field").stringValue())
                .isEqualTo("contact.externalId");
        post("/api/v1/templates/" + id + "/preview", "{}").expect(422);
        post("/api/v1/templates/" + id + "/preview", "{\"contact\": {\"externalId\": \"x\"}, \"context\": 3}")
                .expect(422);
        post("/api/v1/templates/999999999/preview", "{\"contact\": {\"externalId\": \"x\"}}").expect(404);
    }

    @Test
    void testSendQueuesATransactionalDeliveryDispatchedToTheChannelTopic() {
        Shop shop = shop();
        long id = create("email", "{\"subject\": \"Test\", \"html\": \"<p>{{ contact.first_name }}</p>\"}");
        try (KafkaConsumer<String, String> consumer = consumer("activation.messages.email")) {
            JsonNode queued = post("/api/v1/templates/" + id + "/test-send", """
                    {"to": "qa@example.com", "contact": {"externalId": "%s"}, "context": %s}"""
                    .formatted(shop.ann(), shop.orderTrigger())).expect(202).json();
            long deliveryId = queued.get("deliveryId").longValue();

            Map<String, Object> delivery = jdbc.queryForMap("select * from deliveries where id = ?", deliveryId);
            assertThat(delivery).containsEntry("channel", "email").containsEntry("address", "qa@example.com")
                    .containsEntry("status", "queued").containsEntry("purpose", "transactional");
            String messageKey = (String) delivery.get("message_key");
            assertThat(messageKey).matches("test:[0-9a-f-]{36}:email").isEqualTo(queued.get("messageKey")
                    .stringValue());
            Map<String, Object> request = jdbc.queryForMap("select * from message_requests where id = ?",
                    delivery.get("request_id"));
            assertThat((String) request.get("dedupe_key")).isEqualTo(messageKey.substring(0,
                    messageKey.length() - ":email".length()));
            assertThat(request).containsEntry("purpose", "transactional");
            assertThat(request.get("context").toString()).contains(shop.orders());
            assertThat(jdbc.queryForList("select stage || '/' || outcome || '/' || reason from delivery_decisions"
                    + " where delivery_id = ?", String.class, deliveryId)).containsExactly("channel/chosen/test send");

            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer, records -> records.stream()
                    .anyMatch(r -> value(r).at("/data/deliveryId").longValue() == deliveryId),
                    Duration.ofSeconds(30));
            JsonNode dispatched = seen.stream().map(r -> value(r))
                    .filter(v -> v.at("/data/deliveryId").longValue() == deliveryId).findFirst().orElseThrow();
            assertThat(dispatched.get("type").stringValue()).isEqualTo("io.activation.message.dispatched");
            assertThat(dispatched.at("/data/messageKey").stringValue()).isEqualTo(messageKey);
            assertThat(dispatched.at("/data/address").stringValue()).isEqualTo("qa@example.com");
            assertThat(dispatched.at("/data/template").stringValue()).isEqualTo(delivery.get("template"));
        }
    }

    @Test
    void testSendProblemsNameTheFieldAndWriteNothing() {
        Shop shop = shop();
        long id = create("sms", "{\"text\": \"hi\"}");
        int before = jdbc.queryForObject("select count(*) from deliveries", Integer.class);
        assertThat(post("/api/v1/templates/" + id + "/test-send", """
                {"to": "not-a-number", "contact": {"externalId": "%s"}}""".formatted(shop.ann())).expect(422)
                .json().at("/errors/0/field").stringValue()).isEqualTo("to");
        assertThat(post("/api/v1/templates/" + id + "/test-send", """
                {"contact": {"externalId": "%s"}}""".formatted(shop.ann())).expect(422)
                .json().at("/errors/0/field").stringValue()).isEqualTo("to");
        assertThat(post("/api/v1/templates/" + id + "/test-send", """
                {"to": "+31612345678", "contact": {"externalId": "%s"}}""".formatted(unique("nobody")))
                .expect(404).json().at("/errors/0/field").stringValue()).isEqualTo("contact.externalId");
        post("/api/v1/templates/" + id + "/test-send", """
                {"to": "+31612345678", "contact": {"externalId": "%s"}, "cc": "x"}""".formatted(shop.ann()))
                .expect(422);
        assertThat(jdbc.queryForObject("select count(*) from deliveries", Integer.class)).isEqualTo(before);
    }

    private long create(String channel, String parts) {
        return post("/api/v1/templates", """
                {"name": "%s", "channel": "%s", "parts": %s}""".formatted(unique("t").replace('_', '-'), channel,
                parts)).expect(201).json().get("id").longValue();
    }

    private KafkaConsumer<String, String> consumer(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, unique("test"));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(topic));
        return consumer;
    }
}
