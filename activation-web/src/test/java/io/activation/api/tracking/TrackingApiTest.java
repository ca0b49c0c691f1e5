package io.activation.api.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The public tracking endpoints as a recipient reaches them: no API key, the signed token is all. */
class TrackingApiTest extends TrackingTestSupport {

    @Test
    void thePixelIsATransparentGifThatIsNeverCachedAndRecordsOneUniqueOpenPerBurst() {
        Delivery d = sentEmail();
        String pixel = links.openPixel(d.id());
        assertThat(pixel).startsWith("http://localhost:8080/t/o/");
        try (KafkaConsumer<String, String> events = eventsConsumer()) {
            Response first = anonymous("GET", pixel, null).expect(200);
            assertThat(first.header("Content-Type")).isEqualTo("image/gif");
            assertThat(first.header("Cache-Control")).contains("no-store");
            byte[] gif = first.body().getBytes(StandardCharsets.ISO_8859_1);
            assertThat(new String(gif, 0, 6, StandardCharsets.US_ASCII)).isEqualTo("GIF89a");
            // A proxy fetching it again a moment later is counted, but not published again.
            anonymous("GET", pixel, null).expect(200);
            clock.advance(Duration.ofHours(2));
            anonymous("GET", pixel, null).expect(200);

            List<JsonNode> opened = messageEvents(events, d.id(), e -> e.size() >= 2);
            assertThat(opened).extracting(e -> e.get("type").stringValue())
                    .containsOnly("io.activation.message.opened");
            JsonNode data = opened.get(0).get("data");
            assertThat(data.get("contactId").longValue()).isEqualTo(d.contactId());
            assertThat(data.get("requestId").longValue()).isEqualTo(d.requestId());
            assertThat(data.get("messageKey").stringValue()).isEqualTo(d.messageKey());
            assertThat(data.get("channel").stringValue()).isEqualTo("email");
            assertThat(data.get("template").stringValue()).isEqualTo("welcome");
            assertThat(data.has("scenarioId")).isTrue();
            assertThat(data.has("stepId")).isTrue();
            assertThat(data.get("unique").booleanValue()).isTrue();
            assertThat(opened.get(1).at("/data/unique").booleanValue()).isFalse();
            assertThat(opened.get(0).get("contactid").stringValue()).isEqualTo(Long.toString(d.contactId()));
        }
        assertThat(count("select count(*) from message_interactions where delivery_id = ? and kind = 'open'", d.id()))
                .isEqualTo(3);
        assertThat(count("select count(*) from message_interactions where delivery_id = ? and is_unique", d.id()))
                .isEqualTo(1);
        JsonNode report = get("/api/v1/tracking/deliveries/" + d.id()).expect(200).json();
        assertThat(report.get("opened").longValue()).isEqualTo(1);
        assertThat(report.get("opens").longValue()).isEqualTo(3);
        assertThat(report.get("sent").longValue()).isEqualTo(1);
    }

    @Test
    void pixelFetchesAtTheSameMomentMakeOneUniqueOpenAndOneEvent() throws Exception {
        Delivery d = sentEmail();
        String pixel = links.openPixel(d.id());
        try (KafkaConsumer<String, String> events = eventsConsumer()) {
            io.activation.testing.Concurrently.run(6, thread -> anonymous("GET", pixel, null).expect(200));
            assertThat(count("select count(*) from message_interactions where delivery_id = ?", d.id())).isEqualTo(6);
            assertThat(count("select count(*) from message_interactions where delivery_id = ? and is_unique", d.id()))
                    .isEqualTo(1);
            // A later click of the same contact's delivery follows the opens on the same partition.
            anonymous("GET", links.click(d.id(), "https://shop.example.com/"), null).expect(302);
            List<JsonNode> published = messageEvents(events, d.id(), e -> e.stream()
                    .anyMatch(x -> x.get("type").stringValue().endsWith(".clicked")));
            assertThat(published).extracting(e -> e.get("type").stringValue())
                    .containsExactly("io.activation.message.opened", "io.activation.message.clicked");
        }
    }

    @Test
    void aForgedPixelStillAnswersTheImageAndRecordsNothing() {
        Delivery d = sentEmail();
        String forged = "/t/o/" + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[30]);
        anonymous("GET", forged, null).expect(200);
        assertThat(count("select count(*) from message_interactions where delivery_id = ?", d.id())).isZero();
    }

    @Test
    void aClickRedirectsToTheSignedUrlAndIsPublished() {
        Delivery d = sentEmail();
        String target = "https://shop.example.com/cart?id=1&utm_campaign=welcome";
        String link = links.click(d.id(), target);
        try (KafkaConsumer<String, String> events = eventsConsumer()) {
            Response redirect = anonymous("GET", link, null).expect(302);
            assertThat(redirect.header("Location")).isEqualTo(target);
            assertThat(redirect.header("Cache-Control")).contains("no-store");
            assertThat(redirect.header("Referrer-Policy")).isEqualTo("no-referrer");
            JsonNode clicked = messageEvents(events, d.id(), e -> !e.isEmpty()).get(0);
            assertThat(clicked.get("type").stringValue()).isEqualTo("io.activation.message.clicked");
            assertThat(clicked.at("/data/url").stringValue()).isEqualTo(target);
            assertThat(clicked.at("/data/deliveryId").longValue()).isEqualTo(d.id());
        }
        assertThat(jdbc.queryForObject("select user_agent from message_interactions where delivery_id = ?",
                String.class, d.id())).isEqualTo("TestMail/1.0");
    }

    @Test
    void aTamperedClickTokenIs404AndNeverAnOpenRedirect() {
        Delivery d = sentEmail();
        String link = links.click(d.id(), "https://shop.example.com/");
        String token = link.substring(link.lastIndexOf('/') + 1);
        byte[] raw = Base64.getUrlDecoder().decode(token);
        // Swap the target for another, keeping the signature.
        byte[] evil = "https://evil.example.net/".getBytes(StandardCharsets.UTF_8);
        byte[] forged = new byte[10 + evil.length + 16];
        System.arraycopy(raw, 0, forged, 0, 10);
        System.arraycopy(evil, 0, forged, 10, evil.length);
        System.arraycopy(raw, raw.length - 16, forged, 10 + evil.length, 16);
        Response swapped = anonymous("GET", "/t/c/" + Base64.getUrlEncoder().withoutPadding().encodeToString(forged),
                null).expect(404);
        assertThat(swapped.header("Location")).isNull();
        // One flipped character.
        char last = token.charAt(token.length() - 2);
        String flipped = token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A')
                + token.charAt(token.length() - 1);
        assertThat(anonymous("GET", "/t/c/" + flipped, null).expect(404).header("Location")).isNull();
        // A URL passed along as a parameter is ignored; an open or unsubscribe token is no click token.
        anonymous("GET", "/t/c/x?url=https://evil.example.net/", null).expect(404);
        String open = links.openPixel(d.id());
        anonymous("GET", "/t/c/" + open.substring(open.lastIndexOf('/') + 1), null).expect(404);
        assertThat(count("select count(*) from message_interactions where delivery_id = ?", d.id())).isZero();
    }

    @Test
    void shortLinksRedirectToTheStoredTargetAndUnknownCodesAre404() {
        Delivery d = sentEmail();
        String target = "https://shop.example.com/sale";
        String link = links.shortClick(d.id(), target);
        assertThat(link).matches("http://localhost:8080/s/[0-9A-Za-z]{12}");
        assertThat(links.shortClick(d.id(), target)).isEqualTo(link);
        assertThat(links.shortClick(d.id(), target + "/other")).isNotEqualTo(link);
        assertThat(anonymous("GET", link, null).expect(302).header("Location")).isEqualTo(target);
        anonymous("GET", "/s/AAAAAAAAAAAA", null).expect(404);
        anonymous("GET", "/s/short", null).expect(404);
        assertThat(count("select count(*) from message_interactions where delivery_id = ? and kind = 'click'", d.id()))
                .isEqualTo(1);
    }

    @Test
    void theUnsubscribePageChangesNothingAndItsButtonUnsubscribes() {
        Delivery d = sentEmail();
        String page = links.unsubscribePage(d.id());
        try (KafkaConsumer<String, String> events = eventsConsumer()) {
            Response shown = anonymous("GET", page, null).expect(200);
            assertThat(shown.header("Content-Type")).startsWith("text/html");
            assertThat(shown.body()).contains("<form method=\"post\"").contains("Unsubscribe")
                    .contains(d.email().charAt(0) + "***@example.com").doesNotContain(d.email());
            // Link scanners follow GETs: several of them change nothing.
            anonymous("GET", page, null).expect(200);
            assertThat(consents(d.externalId())).isEmpty();
            assertThat(count("select count(*) from message_interactions where delivery_id = ?", d.id())).isZero();

            Response done = anonymous("POST", page, "confirm=yes").expect(200);
            assertThat(done.body()).contains("You are unsubscribed");
            JsonNode consent = consents(d.externalId()).get(0);
            assertThat(consent.get("channel").stringValue()).isEqualTo("email");
            assertThat(consent.get("purpose").stringValue()).isEqualTo("marketing");
            assertThat(consent.get("status").stringValue()).isEqualTo("withdrawn");
            assertThat(consent.get("source").stringValue()).isEqualTo("unsubscribe-link");
            assertThat(consent.at("/proof/deliveryId").longValue()).isEqualTo(d.id());
            assertThat(consent.at("/proof/userAgent").stringValue()).isEqualTo("TestMail/1.0");
            assertThat(consent.at("/proof/ip").stringValue()).isNotBlank();
            assertThat(consent.at("/proof/method").stringValue()).isEqualTo("page");

            JsonNode unsubscribed = messageEvents(events, d.id(), e -> !e.isEmpty()).get(0);
            assertThat(unsubscribed.get("type").stringValue()).isEqualTo("io.activation.message.unsubscribed");
            assertThat(unsubscribed.at("/data/contactId").longValue()).isEqualTo(d.contactId());
        }
        // Again: harmless, still withdrawn.
        anonymous("POST", page, "confirm=yes").expect(200);
        assertThat(consents(d.externalId())).hasSize(1);
        assertThat(get("/api/v1/tracking/deliveries/" + d.id()).expect(200).json().get("unsubscribed").longValue())
                .isEqualTo(1);
    }

    @Test
    void theOneClickPostOfRfc8058Unsubscribes() {
        Delivery d = sentEmail();
        Response done = anonymous("POST", links.unsubscribeOneClick(d.id()), "List-Unsubscribe=One-Click")
                .expect(200);
        assertThat(done.body()).contains("You are unsubscribed");
        JsonNode consent = consents(d.externalId()).get(0);
        assertThat(consent.get("status").stringValue()).isEqualTo("withdrawn");
        assertThat(consent.at("/proof/method").stringValue()).isEqualTo("one-click");
    }

    @Test
    void aForgedUnsubscribeTokenIs404AndChangesNothing() {
        Delivery d = sentEmail();
        String page = links.unsubscribePage(d.id());
        String forged = page.substring(0, page.length() - 3) + (page.endsWith("AAA") ? "BBB" : "AAA");
        anonymous("GET", forged, null).expect(404);
        anonymous("POST", forged, "List-Unsubscribe=One-Click").expect(404);
        // An open token does not unsubscribe either.
        String open = links.openPixel(d.id());
        anonymous("POST", "/u/" + open.substring(open.lastIndexOf('/') + 1), "List-Unsubscribe=One-Click")
                .expect(404);
        assertThat(consents(d.externalId())).isEmpty();
    }

    @Test
    void theReportsNeedAnApiKeyAndNameBadIds() {
        send("GET", "/api/v1/scenarios/1/report", null, null, java.util.Map.of()).expect(401);
        JsonNode problem = get("/api/v1/tracking/deliveries/abc").expect(400).json();
        assertThat(problem.toString()).contains("id");
        assertThat(get("/api/v1/tracking/deliveries/999999999").expect(404).json().toString()).contains("deliveryId");
        assertThat(get("/api/v1/scenarios/999999999/report").expect(404).json().toString()).contains("scenarioId");
    }

    private JsonNode consents(String externalId) {
        return get("/api/v1/contacts/" + externalId + "/consents").expect(200).json().get("items");
    }
}
