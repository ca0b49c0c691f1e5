package io.activation.api.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.contact.ContactResolver;
import io.activation.delivery.device.DevicePlatform;
import io.activation.delivery.device.DeviceRegistration;
import io.activation.delivery.device.DeviceTokens;
import io.activation.testing.ApiTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

class DeviceApiTest extends ApiTest {

    @Autowired
    DeviceTokens deviceTokens;

    @Autowired
    ContactResolver resolver;

    private String contact() {
        String id = unique("dev");
        put("/api/v1/contacts/" + id, "{\"email\": \"" + id + "@example.com\"}").expect(201);
        return id;
    }

    private static String token() {
        return unique("fcm") + ":APA91b-" + "x".repeat(120);
    }

    @Test
    void registerListRefreshAndUnregister() {
        String id = contact();
        String token = token();
        JsonNode created = post("/api/v1/contacts/" + id + "/devices",
                "{\"token\": \"" + token + "\", \"platform\": \"android\", \"appId\": \"com.shop.app\"}")
                .expect(201).json();
        assertThat(created.get("result").stringValue()).isEqualTo("created");
        assertThat(created.get("platform").stringValue()).isEqualTo("android");
        String firstSeen = created.get("lastSeenAt").stringValue();

        clock.advance(Duration.ofHours(1));
        JsonNode refreshed = post("/api/v1/contacts/" + id + "/devices",
                "{\"token\": \"" + token + "\", \"platform\": \"android\", \"appId\": \"com.shop.app\"}")
                .expect(200).json();
        assertThat(refreshed.get("result").stringValue()).isEqualTo("refreshed");
        assertThat(refreshed.get("createdAt").stringValue()).isEqualTo(created.get("createdAt").stringValue());
        assertThat(refreshed.get("lastSeenAt").stringValue()).isNotEqualTo(firstSeen);

        String web = token();
        clock.advance(Duration.ofMinutes(1));
        post("/api/v1/contacts/" + id + "/devices", "{\"token\": \"" + web + "\", \"platform\": \"web\"}")
                .expect(201);
        JsonNode list = get("/api/v1/contacts/" + id + "/devices").expect(200).json();
        assertThat(list.get("items").findValuesAsString("token")).containsExactly(web, token);
        assertThat(list.get("items").get(0).get("appId").isNull()).isTrue();

        delete("/api/v1/contacts/" + id + "/devices/" + token).expect(204);
        delete("/api/v1/contacts/" + id + "/devices/" + token).expect(404);
        assertThat(get("/api/v1/contacts/" + id + "/devices").json().get("items").findValuesAsString("token"))
                .containsExactly(web);
    }

    @Test
    void aRotatedTokenReplacesThePreviousOne() {
        String id = contact();
        String old = token();
        post("/api/v1/contacts/" + id + "/devices", "{\"token\": \"" + old + "\", \"platform\": \"ios\"}").expect(201);
        String rotated = token();
        JsonNode answer = post("/api/v1/contacts/" + id + "/devices", "{\"token\": \"" + rotated
                + "\", \"platform\": \"ios\", \"previousToken\": \"" + old + "\"}").expect(201).json();
        assertThat(answer.get("token").stringValue()).isEqualTo(rotated);
        assertThat(get("/api/v1/contacts/" + id + "/devices").json().get("items").findValuesAsString("token"))
                .containsExactly(rotated);
    }

    @Test
    void aTokenBelongsToOneContactAtATime() {
        String first = contact();
        String second = contact();
        String token = token();
        post("/api/v1/contacts/" + first + "/devices", "{\"token\": \"" + token + "\", \"platform\": \"android\"}")
                .expect(201);
        JsonNode moved = post("/api/v1/contacts/" + second + "/devices",
                "{\"token\": \"" + token + "\", \"platform\": \"android\"}").expect(200).json();
        assertThat(moved.get("result").stringValue()).isEqualTo("moved");
        assertThat(get("/api/v1/contacts/" + first + "/devices").json().get("items")).isEmpty();
        assertThat(get("/api/v1/contacts/" + second + "/devices").json().get("items").findValuesAsString("token"))
                .containsExactly(token);
        // The first contact cannot unregister what is no longer its token.
        delete("/api/v1/contacts/" + first + "/devices/" + token).expect(404);
    }

    @Test
    void aContactKeepsItsMostRecentlySeenTokens() {
        String id = contact();
        String oldest = null;
        for (int i = 0; i < 21; i++) {
            String t = token();
            if (i == 0) {
                oldest = t;
            }
            post("/api/v1/contacts/" + id + "/devices", "{\"token\": \"" + t + "\", \"platform\": \"web\"}")
                    .expect(201);
            clock.advance(Duration.ofSeconds(1));
        }
        JsonNode items = get("/api/v1/contacts/" + id + "/devices").json().get("items");
        assertThat(items).hasSize(20);
        assertThat(items.findValuesAsString("token")).doesNotContain(oldest);
    }

    @Test
    void badRegistrationsNameEveryFieldAndChangeNothing() {
        String id = contact();
        JsonNode problem = post("/api/v1/contacts/" + id + "/devices",
                "{\"token\": \"has space\", \"platform\": \"blackberry\", \"appId\": 5, \"colour\": \"red\"}")
                .expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("token", "platform", "appId", "colour");
        problem = post("/api/v1/contacts/" + id + "/devices", "{}").expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactlyInAnyOrder("token", "platform");
        problem = post("/api/v1/contacts/" + id + "/devices", "[]").expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactly("body");
        problem = post("/api/v1/contacts/" + id + "/devices", "{\"token\": \"" + "a".repeat(4097)
                + "\", \"platform\": \"ios\"}").expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactly("token");
        assertThat(get("/api/v1/contacts/" + id + "/devices").json().get("items")).isEmpty();
    }

    @Test
    void anUnknownContactIsNotFound() {
        JsonNode problem = post("/api/v1/contacts/" + unique("nobody") + "/devices",
                "{\"token\": \"" + token() + "\", \"platform\": \"ios\"}").expect(404).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactly("externalId");
        get("/api/v1/contacts/" + unique("nobody") + "/devices").expect(404);
    }

    @Test
    void scopesAreEnforced() {
        String id = contact();
        String readKey = post("/api/v1/api-keys", "{\"name\": \"" + unique("reader") + "\", \"scopes\": [\"read\"]}")
                .expect(201).json().get("secret").stringValue();
        send("POST", "/api/v1/contacts/" + id + "/devices", "{\"token\": \"" + token()
                + "\", \"platform\": \"ios\"}", readKey, Map.of()).expect(403);
        send("GET", "/api/v1/contacts/" + id + "/devices", null, readKey, Map.of()).expect(200);
        send("GET", "/api/v1/contacts/" + id + "/devices", null, null, Map.of()).expect(401);
    }

    @Test
    void concurrentRegistrationsKeepThePerContactLimit() throws Exception {
        String id = contact();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String t = token();
                answers.add(pool.submit(() -> post("/api/v1/contacts/" + id + "/devices",
                        "{\"token\": \"" + t + "\", \"platform\": \"android\"}").status()));
            }
            for (Future<Integer> a : answers) {
                assertThat(a.get()).isEqualTo(201);
            }
        } finally {
            pool.shutdown();
        }
        assertThat(get("/api/v1/contacts/" + id + "/devices").json().get("items")).hasSize(20);
    }

    @Test
    void anAnonymousContactsTokensFollowItIntoTheKnownContact() {
        String anonymousId = unique("anon");
        String userId = unique("user");
        segment("/v1/track", """
                {"anonymousId": "%s", "event": "App Opened", "messageId": "%s"}""".formatted(anonymousId,
                unique("m")));
        long anonymous = resolver.anonymous(anonymousId).orElseThrow();
        String appToken = token();
        deviceTokens.register(anonymous, new DeviceRegistration(appToken, DevicePlatform.IOS, "com.shop.app", null));
        put("/api/v1/contacts/" + userId, "{\"email\": \"" + userId + "@example.com\"}").expect(201);
        String webToken = token();
        post("/api/v1/contacts/" + userId + "/devices", "{\"token\": \"" + webToken + "\", \"platform\": \"web\"}")
                .expect(201);

        segment("/v1/identify", """
                {"userId": "%s", "anonymousId": "%s", "messageId": "%s"}""".formatted(userId, anonymousId,
                unique("m")));

        assertThat(get("/api/v1/contacts/" + userId + "/devices").json().get("items").findValuesAsString("token"))
                .containsExactlyInAnyOrder(appToken, webToken);
        assertThat(deviceTokens.list(anonymous)).isEmpty();
    }

    private void segment(String path, String json) {
        String basic = Base64.getEncoder().encodeToString((ADMIN_KEY + ":").getBytes(StandardCharsets.UTF_8));
        send("POST", path, json, null, Map.of("Authorization", "Basic " + basic)).expect(200);
    }
}
