package io.activation.api.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The Segment HTTP Tracking API end to end. Payloads are the examples of Segment's documentation (HTTP API source,
 * segmentio/segment-docs src/connections/sources/catalog/libraries/server/http-api/index.md), with a fresh userId
 * and a messageId added so runs do not see each other's data.
 */
class SegmentTrackingApiTest extends SegmentTestSupport {

    @Test
    void identifyUpdatesTheContactAndKeepsEveryTraitOnAnIdentifyEvent() {
        String userId = unique("u");
        String messageId = unique("m");
        // Segment docs, "Identify" example.
        JsonNode answer = segment("/v1/identify", """
                {
                  "userId": "%s",
                  "messageId": "%s",
                  "traits": {
                    "email": "pgibbons@example.com",
                    "name": "Peter Gibbons",
                    "industry": "Technology"
                  },
                  "context": {
                    "ip": "24.5.68.47"
                  },
                  "timestamp": "2012-12-02T00:30:08.276Z"
                }""".formatted(userId, messageId)).expect(200).json();
        assertThat(answer.get("success").booleanValue()).isTrue();

        JsonNode contact = get("/api/v1/contacts/" + userId).expect(200).json();
        assertThat(contact.get("email").stringValue()).isEqualTo("pgibbons@example.com");
        StoredEvent event = event(messageId);
        assertThat(event.type()).isEqualTo("identify");
        assertThat(event.source()).isEqualTo("segment");
        assertThat(event.contactId()).isEqualTo(contact.get("id").longValue());
        assertThat(event.occurredAt()).isEqualTo("2012-12-02T00:30:08.276Z");
        assertThat(event.properties().get("name").stringValue()).isEqualTo("Peter Gibbons");
        assertThat(event.properties().get("industry").stringValue()).isEqualTo("Technology");
        assertThat(event.properties().at("/segment/context/ip").stringValue()).isEqualTo("24.5.68.47");
    }

    @Test
    void reservedTraitsAndCustomAttributesMapOntoTheContact() {
        String attribute = unique("plan");
        post("/api/v1/tables/contacts/attributes", "{\"name\": \"" + attribute + "\", \"type\": \"TEXT\"}")
                .expect(201);
        String userId = unique("u");
        segment("/v1/identify", """
                {"userId": "%s", "traits": {"first_name": "Ann", "lastName": "Peeters", "phone": "0470 12 34 56",
                 "birthday": "1990-02-27T23:00:00.000Z", "address": {"country": "be", "city": "Gent"},
                 "%s": "gold", "shoeSize": 38}}""".formatted(userId, attribute)).expect(200);

        JsonNode contact = get("/api/v1/contacts/" + userId).expect(200).json();
        assertThat(contact.get("firstName").stringValue()).isEqualTo("Ann");
        assertThat(contact.get("lastName").stringValue()).isEqualTo("Peeters");
        assertThat(contact.get("phone").stringValue()).isEqualTo("+32470123456");
        assertThat(contact.get("birthDate").stringValue()).isEqualTo("1990-02-28");
        assertThat(contact.get("country").stringValue()).isEqualTo("BE");
        assertThat(contact.at("/attributes/" + attribute).stringValue()).isEqualTo("gold");
        assertThat(eventsOf(userId)).singleElement().satisfies(e ->
                assertThat(e.properties().get("shoeSize").intValue()).isEqualTo(38));
    }

    @Test
    void anInvalidTraitIsA400NamingItAndNothingIsWritten() {
        String userId = unique("u");
        JsonNode problem = segment("/v1/identify", """
                {"userId": "%s", "traits": {"email": "not-an-address", "plan": "x"}}""".formatted(userId))
                .expect(400).json();
        assertThat(problem.get("type").stringValue()).endsWith("/invalid-input");
        assertThat(problem.get("field").stringValue()).isEqualTo("traits.email");
        problem = segment("/v1/identify", """
                {"userId": "%s", "traits": {"firstName": "%s"}}""".formatted(userId, "a".repeat(201)))
                .expect(400).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("traits.firstName");
        get("/api/v1/contacts/" + userId).expect(404);
    }

    @Test
    void trackRecordsASnakeCaseEventWithTheOriginalName() {
        String userId = unique("u");
        String messageId = unique("m");
        // Segment docs, "Track" example.
        segment("/v1/track", """
                {
                  "userId": "%s",
                  "messageId": "%s",
                  "event": "Item Purchased",
                  "properties": {
                    "name": "Leap to Conclusions Mat",
                    "revenue": 14.99
                  },
                  "context": {
                    "ip": "24.5.68.47"
                  },
                  "timestamp": "2012-12-02T00:30:12.984Z"
                }""".formatted(userId, messageId)).expect(200);

        StoredEvent event = event(messageId);
        assertThat(event.type()).isEqualTo("item_purchased");
        assertThat(event.occurredAt()).isEqualTo("2012-12-02T00:30:12.984Z");
        assertThat(event.properties().get("revenue").decimalValue()).isEqualByComparingTo("14.99");
        assertThat(event.properties().at("/segment/event").stringValue()).isEqualTo("Item Purchased");
        assertThat(event.properties().at("/segment/userId").stringValue()).isEqualTo(userId);
        assertThat(get("/api/v1/contacts/" + userId).expect(200).json().get("id").longValue())
                .isEqualTo(event.contactId());
    }

    @Test
    void pageAndScreenCallsArePageAndScreenViews() {
        String userId = unique("u");
        String page = unique("m");
        String screen = unique("m");
        // Segment docs, "Page" and "Screen" examples, with the page context analytics.js adds.
        segment("/v1/page", """
                {
                  "userId": "%s",
                  "messageId": "%s",
                  "name": "Tracking HTTP API",
                  "context": {"page": {"url": "https://shop.example/docs", "path": "/docs", "title": "Docs"}},
                  "timestamp": "2012-12-02T00:31:29.738Z"
                }""".formatted(userId, page)).expect(200);
        segment("/v1/screen", """
                {
                  "userId": "%s",
                  "messageId": "%s",
                  "name": "Tracking HTTP API",
                  "timestamp": "2012-12-02T00:31:29.738Z"
                }""".formatted(userId, screen)).expect(200);

        StoredEvent pageView = event(page);
        assertThat(pageView.type()).isEqualTo("page_viewed");
        assertThat(pageView.properties().get("name").stringValue()).isEqualTo("Tracking HTTP API");
        assertThat(pageView.properties().get("url").stringValue()).isEqualTo("https://shop.example/docs");
        assertThat(pageView.properties().get("path").stringValue()).isEqualTo("/docs");
        assertThat(event(screen).type()).isEqualTo("screen_viewed");
    }

    @Test
    void groupAndAliasAreKeptAsEvents() {
        String userId = unique("u");
        String group = unique("m");
        String alias = unique("m");
        // Segment docs, "Group" and "Alias" examples.
        segment("/v1/group", """
                {"userId": "%s", "messageId": "%s", "groupId": "8e9df332ac",
                 "traits": {"name": "Initech", "industry": "Technology", "employees": 420},
                 "timestamp": "2012-12-02T00:31:38.208Z"}""".formatted(userId, group)).expect(200);
        segment("/v1/alias", """
                {"previousId": "39239-239239-239239-23923", "userId": "%s", "messageId": "%s",
                 "timestamp": "2012-12-02T00:31:29.738Z"}""".formatted(userId, alias)).expect(200);

        StoredEvent groupEvent = event(group);
        assertThat(groupEvent.type()).isEqualTo("group");
        assertThat(groupEvent.properties().get("groupId").stringValue()).isEqualTo("8e9df332ac");
        assertThat(groupEvent.properties().at("/traits/employees").intValue()).isEqualTo(420);
        StoredEvent aliasEvent = event(alias);
        assertThat(aliasEvent.type()).isEqualTo("alias");
        assertThat(aliasEvent.properties().get("previousId").stringValue()).isEqualTo("39239-239239-239239-23923");
        JsonNode problem = segment("/v1/group", "{\"userId\": \"" + userId + "\"}").expect(400).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("groupId");
    }

    @Test
    void aBatchWritesTheValidCallsAndListsTheInvalidOnes() {
        String jake = unique("u");
        String cindy = unique("u");
        // Segment docs, "Batch" example, verbatim but for the user ids. Its last two calls carry the timestamp
        // "2015-2-02T00:30:08.276Z", which is not ISO-8601: they are refused alone, the batch is still a 200.
        JsonNode answer = segment("/v1/batch", """
                {
                  "batch": [
                    {
                      "type": "identify",
                      "userId": "%1$s",
                      "traits": {
                        "email": "jake@yahoo.com",
                        "name": "Jake Peterson",
                        "age": 26
                      },
                      "timestamp": "2012-12-02T00:30:08.276Z"
                    },
                    {
                      "type": "track",
                      "userId": "%1$s",
                      "event": "Song Played",
                      "properties": {
                        "name": "Fallin for You",
                        "artist": "Dierks Bentley"
                      },
                      "timestamp": "2012-12-02T00:30:12.984Z"
                    },
                    {
                      "type": "identify",
                      "userId": "%2$s",
                      "traits": {
                        "email": "cindy@example.com",
                        "name": "Cindy Gonzalez",
                        "age": 23
                      },
                      "timestamp": "2015-2-02T00:30:08.276Z"
                    },
                    {
                      "type": "track",
                      "userId": "%2$s",
                      "event": "Song Played",
                      "properties": {
                        "name": "Get Right",
                        "artist": "Jennifer Lopez"
                      },
                      "timestamp": "2015-2-02T00:30:12.984Z"
                    }
                  ],
                  "writeKey": "YOUR_WRITE_KEY",
                  "context": {
                    "device": {
                      "type": "phone",
                      "name": "Apple iPhone 6"
                    }
                  }
                }""".formatted(jake, cindy)).expect(200).json();

        assertThat(answer.get("success").booleanValue()).isTrue();
        assertThat(answer.get("accepted").intValue()).isEqualTo(2);
        assertThat(answer.get("rejected").intValue()).isEqualTo(2);
        assertThat(answer.get("errors").findValuesAsString("field"))
                .contains("batch[2].timestamp", "batch[3].timestamp");
        assertThat(answer.at("/errors/0/status").intValue()).isEqualTo(400);

        assertThat(get("/api/v1/contacts/" + jake).expect(200).json().get("email").stringValue())
                .isEqualTo("jake@yahoo.com");
        assertThat(eventsOf(jake)).extracting(StoredEvent::type).containsExactly("identify", "song_played");
        assertThat(eventsOf(jake).get(1).properties().at("/segment/context/device/type").stringValue())
                .isEqualTo("phone");
        get("/api/v1/contacts/" + cindy).expect(404);
    }

    @Test
    void callsOrderedInABatchApplyInOrder() {
        String anonymousId = unique("anon");
        String userId = unique("u");
        JsonNode answer = segment("/v1/batch", """
                {"batch": [
                  {"type": "track", "anonymousId": "%1$s", "event": "Product Viewed", "properties": {"sku": "A"}},
                  {"type": "identify", "anonymousId": "%1$s", "userId": "%2$s", "traits": {"email": "a@example.com"}},
                  {"type": "track", "userId": "%2$s", "event": "Product Viewed", "properties": {"sku": "B"}}
                ]}""".formatted(anonymousId, userId)).expect(200).json();
        assertThat(answer.get("accepted").intValue()).isEqualTo(3);
        assertThat(eventsOf(userId)).extracting(e -> e.properties().path("sku").asString(""))
                .containsExactlyInAnyOrder("A", "", "B");
    }

    @Test
    void theWriteKeyIsTheBasicUserName() {
        String body = "{\"anonymousId\": \"" + unique("anon") + "\", \"event\": \"Clicked\"}";
        send("POST", "/v1/track", body, null, Map.of()).expect(401);
        send("POST", "/v1/track", body, null, Map.of("Authorization", basic("not-a-key-0123456789"))).expect(401);
        send("POST", "/v1/track", body, null, Map.of("Authorization", basic(issueKey("read")))).expect(403);
        send("POST", "/v1/track", body, null, Map.of("Authorization", basic(writeKey()))).expect(200);
    }

    @Test
    void analyticsJsShortPathsAndTextPlainBodiesAreAccepted() {
        String messageId = unique("ajs-next");
        // analytics.js posts JSON as text/plain to /v1/t, /v1/p, ... with the write key in the body as well.
        send("POST", "/v1/t", """
                {"type": "track", "event": "Signed Up", "anonymousId": "%s", "messageId": "%s",
                 "writeKey": "ignored", "_metadata": {"bundled": ["Segment.io"]},
                 "context": {"library": {"name": "analytics.js", "version": "next-1.70.0"}},
                 "timestamp": "2026-01-10T10:00:00.000Z", "sentAt": "2026-01-10T10:00:00.120Z"}"""
                .formatted(unique("anon"), messageId), null,
                Map.of("Authorization", basic(writeKey()), "Content-Type", "text/plain")).expect(200);
        assertThat(event(messageId).type()).isEqualTo("signed_up");
    }

    @Test
    void gzipCompressedBodiesAreAccepted() throws IOException {
        String messageId = unique("m");
        byte[] json = """
                {"batch": [{"type": "track", "userId": "%s", "messageId": "%s", "event": "Compressed"}]}"""
                .formatted(unique("u"), messageId).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(json);
        }
        sendBytes("POST", "/v1/batch", compressed.toByteArray(), null, Map.of("Authorization", basic(writeKey()),
                "Content-Encoding", "gzip")).expect(200);
        assertThat(event(messageId).type()).isEqualTo("compressed");
        sendBytes("POST", "/v1/batch", json, null, Map.of("Authorization", basic(writeKey()),
                "Content-Encoding", "br")).expect(415);

        // Compressed bodies are checked for well-formed UTF-8 after decompression: an overlong '/' is refused.
        ByteArrayOutputStream badText = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(badText)) {
            gzip.write(("{\"batch\": [{\"type\": \"track\", \"userId\": \"" + unique("u")
                    + "\", \"event\": \"a").getBytes(StandardCharsets.UTF_8));
            gzip.write(new byte[] {(byte) 0xC0, (byte) 0xAF});
            gzip.write("b\"}]}".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(sendBytes("POST", "/v1/batch", badText.toByteArray(), null, Map.of("Authorization",
                basic(writeKey()), "Content-Encoding", "gzip")).expect(400).json().get("type").stringValue())
                .endsWith("/invalid-encoding");
    }

    @Test
    void aRetriedMessageIsStoredOnceEvenWithAnotherSentAt() {
        String userId = unique("u");
        String messageId = unique("m");
        String call = """
                {"userId": "%s", "messageId": "%s", "event": "Order Shipped", "properties": {"order_id": "o-1"},
                 "timestamp": "2026-01-10T10:00:00.000Z", "sentAt": "%s"}""";
        Response first = segment("/v1/track", call.formatted(userId, messageId, "2026-01-10T10:00:01.000Z"))
                .expect(200);
        Response retry = segment("/v1/track", call.formatted(userId, messageId, "2026-01-10T10:00:31.000Z"))
                .expect(200);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.json()).isEqualTo(first.json());
        // The same message retried inside a batch (as analytics-java does) is still stored once.
        JsonNode batch = segment("/v1/batch", "{\"batch\": [" + call.formatted(userId, messageId,
                "2026-01-10T10:01:00.000Z").replace("{\"userId\"", "{\"type\": \"track\", \"userId\"")
                + "], \"sentAt\": \"2026-01-10T10:01:00.000Z\"}").expect(200).json();
        assertThat(batch.get("accepted").intValue()).isEqualTo(1);
        assertThat(batch.get("replayed").intValue()).isEqualTo(1);
        assertThat(events(messageId)).hasSize(1);
    }

    @Test
    void theSameMessageTwiceInOneBatchIsWrittenOnce() {
        String messageId = unique("m");
        String call = """
                {"type": "track", "userId": "%s", "messageId": "%s", "event": "Product Viewed"}"""
                .formatted(unique("u"), messageId);
        JsonNode answer = segment("/v1/batch", "{\"batch\": [" + call + ", " + call + "]}").expect(200).json();
        assertThat(answer.get("accepted").intValue()).isEqualTo(2);
        assertThat(answer.get("replayed").intValue()).isEqualTo(1);
        assertThat(events(messageId)).hasSize(1);
    }

    @Test
    void aMessageIdReusedForAnotherMessageIsAConflict() {
        String userId = unique("u");
        String messageId = unique("m");
        segment("/v1/track", """
                {"userId": "%s", "messageId": "%s", "event": "Coupon Applied", "properties": {"coupon_id": "A"}}"""
                .formatted(userId, messageId)).expect(200);
        JsonNode problem = segment("/v1/track", """
                {"userId": "%s", "messageId": "%s", "event": "Coupon Applied", "properties": {"coupon_id": "B"}}"""
                .formatted(userId, messageId)).expect(409).json();
        assertThat(problem.get("type").stringValue()).endsWith("/idempotency-key-reused");
        assertThat(problem.get("field").stringValue()).isEqualTo("messageId");

        String fresh = unique("m");
        JsonNode answer = segment("/v1/batch", """
                {"batch": [
                  {"type": "track", "userId": "%1$s", "messageId": "%2$s", "event": "Coupon Applied",
                   "properties": {"coupon_id": "C"}},
                  {"type": "track", "userId": "%1$s", "messageId": "%3$s", "event": "Coupon Applied"}
                ]}""".formatted(userId, messageId, fresh)).expect(200).json();
        assertThat(answer.get("accepted").intValue()).isEqualTo(1);
        assertThat(answer.at("/errors/0/index").intValue()).isEqualTo(0);
        assertThat(answer.at("/errors/0/status").intValue()).isEqualTo(409);
        assertThat(answer.at("/errors/0/problem/field").stringValue()).isEqualTo("batch[0].messageId");
        assertThat(events(messageId)).singleElement().satisfies(e ->
                assertThat(e.properties().get("coupon_id").stringValue()).isEqualTo("A"));
        assertThat(events(fresh)).hasSize(1);
    }

    @Test
    void theEventTimeIsCorrectedForTheDevicesClockSkew() {
        Instant serverNow = Instant.parse("2026-03-01T12:00:00Z");
        clock.set(serverNow);
        String messageId = unique("m");
        // The device's clock runs 1 hour 5 minutes late: it sent the call at 10:55 by its clock, 12:00 by ours.
        segment("/v1/track", """
                {"anonymousId": "%s", "messageId": "%s", "event": "Product Viewed",
                 "timestamp": "2026-03-01T10:54:30.000Z", "sentAt": "2026-03-01T10:55:00.000Z"}"""
                .formatted(unique("anon"), messageId)).expect(200);
        StoredEvent event = event(messageId);
        assertThat(event.occurredAt()).isEqualTo("2026-03-01T11:59:30.000Z");
        assertThat(event.receivedAt()).isEqualTo("2026-03-01T12:00:00.000Z");
        assertThat(event.properties().at("/segment/timestamp").stringValue()).isEqualTo("2026-03-01T10:54:30.000Z");
    }

    @Test
    void missingIdsAndEventNamesAre400sNamingTheField() {
        JsonNode problem = segment("/v1/track", "{\"event\": \"Clicked\"}").expect(400).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("userId");
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactly("userId", "anonymousId");
        problem = segment("/v1/track", "{\"userId\": \"u\", \"properties\": {}}").expect(400).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("event");
        problem = segment("/v1/identify", "{\"userId\": \"u\", \"traits\": \"gold\"}").expect(400).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("traits");
        problem = segment("/v1/track", "{\"userId\": \"u\", \"event\": ").expect(400).json();
        assertThat(problem.get("type").stringValue()).endsWith("/malformed-json");
        problem = segment("/v1/batch", "{\"calls\": []}").expect(400).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("batch");
    }

    @Test
    void theEndpointsAreInTheOpenApiDocument() {
        JsonNode paths = get("/v3/api-docs").expect(200).json().get("paths");
        assertThat(paths.has("/v1/track")).isTrue();
        assertThat(paths.has("/v1/batch")).isTrue();
        assertThat(paths.at("/~1v1~1identify/post/tags/0").stringValue()).isEqualTo("Segment tracking");
    }

    @Test
    void callsOverSegmentsSizeLimitsAreRefused() {
        String big = "x".repeat(33 * 1024);
        String messageId = unique("m");
        segment("/v1/track", "{\"userId\": \"u\", \"messageId\": \"" + messageId + "\", \"event\": \"Big\","
                + " \"properties\": {\"blob\": \"" + big + "\"}}").expect(413);
        JsonNode answer = segment("/v1/batch", "{\"batch\": [{\"type\": \"track\", \"userId\": \"u\", \"messageId\": \""
                + messageId + "\", \"event\": \"Big\", \"properties\": {\"blob\": \"" + big + "\"}}, {\"type\":"
                + " \"track\", \"userId\": \"u\", \"event\": \"Small\"}]}").expect(200).json();
        assertThat(answer.get("accepted").intValue()).isEqualTo(1);
        assertThat(answer.at("/errors/0/status").intValue()).isEqualTo(413);
        assertThat(events(messageId)).isEmpty();
    }
}
