package io.activation.channels.push;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.javanet.NetHttpTransport;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.Recipient;
import io.activation.delivery.spi.SendResult;
import io.activation.delivery.spi.SendResult.Failure;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Firebase Admin SDK against a local stub: an HTTP transport in the FirebaseOptions (and the credentials)
 * sends what the SDK addresses to oauth2.googleapis.com and fcm.googleapis.com to WireMock, which checks the exact
 * FCM HTTP v1 request. The service account's RSA key is made here.
 */
class FcmPushSenderTest {

    static final String PROJECT = "activation-test";
    static final String SEND = "/v1/projects/" + PROJECT + "/messages:send";
    static final String ACCESS_TOKEN = "ya29.test-access-token";
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    static KeyPair key;

    @TempDir
    static Path dir;

    private WireMockServer stub;
    private FcmPushSender sender;
    private final List<String> addressed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void serviceAccount() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        key = generator.generateKeyPair();
        String pem = "-----BEGIN PRIVATE KEY-----\\n"
                + Base64.getEncoder().encodeToString(key.getPrivate().getEncoded())
                + "\\n-----END PRIVATE KEY-----\\n";
        Files.writeString(dir.resolve("service-account.json"), """
                {
                  "type": "service_account",
                  "project_id": "%s",
                  "private_key_id": "test-key-1",
                  "private_key": "%s",
                  "client_email": "push@%s.iam.gserviceaccount.com",
                  "client_id": "100000000000000000001",
                  "token_uri": "https://oauth2.googleapis.com/token"
                }""".formatted(PROJECT, pem, PROJECT));
    }

    @BeforeEach
    void start() {
        stub = new WireMockServer(options().dynamicPort());
        stub.start();
        stub.stubFor(post(urlEqualTo("/token")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\": \"" + ACCESS_TOKEN + "\", \"expires_in\": 3600,"
                        + " \"token_type\": \"Bearer\"}")));
        HttpTransport transport = new NetHttpTransport.Builder().setConnectionFactory(url -> {
            addressed.add(url.getProtocol() + "://" + url.getAuthority() + url.getPath());
            URL local = URI.create("http://127.0.0.1:" + stub.port() + url.getFile()).toURL();
            return (HttpURLConnection) local.openConnection();
        }).build();
        sender = new FcmPushSender(new FcmProperties(dir.resolve("service-account.json").toString(), null),
                transport, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void stop() {
        sender.close();
        stub.stop();
    }

    static OutboundMessage push(String token, Map<String, String> parts, Map<String, String> data) {
        return new OutboundMessage("req-7:push:" + token.hashCode(), 7, 3, "push", new Recipient(token, null, Map.of()),
                new Content(parts, data), 1, NOW, Map.of());
    }

    static OutboundMessage push(String token) {
        return push(token, Map.of(Content.TITLE, "Still thinking?", Content.BODY, "Your cart is waiting"), Map.of());
    }

    void answer(String token, int status, String body, Map<String, String> headers) {
        var response = aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
        headers.forEach(response::withHeader);
        stub.stubFor(post(urlEqualTo(SEND)).withRequestBody(matchingJsonPath("$.message.token", equalTo(token)))
                .willReturn(response));
    }

    void accept(String token, String id) {
        answer(token, 200, "{\"name\": \"projects/" + PROJECT + "/messages/" + id + "\"}", Map.of());
    }

    static String fcmError(int code, String status, String errorCode, String message, String extraDetail) {
        return """
                {"error": {"code": %d, "message": "%s", "status": "%s", "details": [
                  {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "%s"}%s]}}"""
                .formatted(code, message, status, errorCode, extraDetail == null ? "" : ", " + extraDetail);
    }

    @Test
    void acceptedPushSendsExactlyTheV1RequestWithAnOAuthTokenFromTheServiceAccount() throws Exception {
        accept("tok-a", "0:1700000000000000%abc");

        SendResult result = sender.send(push("tok-a", Map.of(Content.TITLE, "Still thinking?", Content.BODY,
                "Your cart is waiting", Content.IMAGE, "https://shop.example.com/p/42.jpg"),
                Map.of("deepLink", "shop://cart", "cartId", "42")));

        assertThat(result).isEqualTo(new SendResult.Accepted("projects/" + PROJECT + "/messages/0:1700000000000000%abc"));
        stub.verify(1, postRequestedFor(urlEqualTo(SEND))
                .withHeader("Authorization", equalTo("Bearer " + ACCESS_TOKEN))
                .withRequestBody(equalToJson("""
                        {"message": {
                          "token": "tok-a",
                          "notification": {"title": "Still thinking?", "body": "Your cart is waiting",
                                           "image": "https://shop.example.com/p/42.jpg"},
                          "data": {"deepLink": "shop://cart", "cartId": "42"}
                        }}""")));
        assertThat(addressed).contains("https://oauth2.googleapis.com/token",
                "https://fcm.googleapis.com" + SEND);

        // The access token came from a JWT assertion signed with the service account's key.
        LoggedRequest tokenRequest = stub.findAll(postRequestedFor(urlEqualTo("/token"))).get(0);
        Map<String, String> form = new java.util.HashMap<>();
        for (String pair : tokenRequest.getBodyAsString().split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        assertThat(form.get("grant_type")).isEqualTo("urn:ietf:params:oauth:grant-type:jwt-bearer");
        String[] jwt = form.get("assertion").split("\\.");
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify(key.getPublic());
        rs256.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(rs256.verify(Base64.getUrlDecoder().decode(jwt[2]))).isTrue();
        String claims = new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"iss\":\"push@" + PROJECT + ".iam.gserviceaccount.com\"",
                "https://www.googleapis.com/auth/cloud-platform");
    }

    @Test
    void aDataOnlyPushHasNoNotification() {
        accept("tok-d", "1");
        assertThat(sender.send(push("tok-d", Map.of(), Map.of("sync", "orders"))))
                .isInstanceOf(SendResult.Accepted.class);
        stub.verify(postRequestedFor(urlEqualTo(SEND)).withRequestBody(equalToJson("""
                {"message": {"token": "tok-d", "data": {"sync": "orders"}}}""")));
    }

    @Test
    void unregisteredTokensAreRejectedForRemoval() {
        answer("tok-gone", 404, fcmError(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", null),
                Map.of());

        SendResult result = sender.send(push("tok-gone"));

        assertThat(result).isInstanceOf(SendResult.Rejected.class);
        assertThat(((SendResult.Rejected) result).failure()).isEqualTo(Failure.UNREGISTERED);
        assertThat(((SendResult.Rejected) result).reason()).contains("404", "UNREGISTERED");
    }

    @Test
    void quotaExceededIsARetryHonouringRetryAfter() {
        answer("tok-busy", 429, fcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED",
                "Quota exceeded for quota metric 'Send requests'", null), Map.of("Retry-After", "42"));

        SendResult result = sender.send(push("tok-busy"));

        assertThat(result).isInstanceOf(SendResult.Retry.class);
        assertThat(((SendResult.Retry) result).retryAfter()).isEqualTo(Duration.ofSeconds(42));
        assertThat(((SendResult.Retry) result).reason()).contains("429", "QUOTA_EXCEEDED");
        // No hidden retries by the SDK: the runtime schedules the next attempt.
        stub.verify(1, postRequestedFor(urlEqualTo(SEND)));
    }

    @Test
    void serverErrorsAreRetries() {
        answer("tok-500", 500, fcmError(500, "INTERNAL", "INTERNAL", "Internal error encountered.", null), Map.of());
        answer("tok-503", 503, fcmError(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.",
                null), Map.of("Retry-After", "0"));

        List<SendResult> results = sender.sendAll(List.of(push("tok-500"), push("tok-503")));

        assertThat(results).allSatisfy(r -> assertThat(r).isInstanceOf(SendResult.Retry.class));
        assertThat(((SendResult.Retry) results.get(1)).reason()).contains("503", "UNAVAILABLE");
        // The SDK retries a 503 itself (four times, backing off) before it gives up; a 500 it does not.
        stub.verify(5, postRequestedFor(urlEqualTo(SEND))
                .withRequestBody(matchingJsonPath("$.message.token", equalTo("tok-503"))));
        stub.verify(1, postRequestedFor(urlEqualTo(SEND))
                .withRequestBody(matchingJsonPath("$.message.token", equalTo("tok-500"))));
    }

    @Test
    void anInvalidTokenIsAnInvalidAddressButOtherInvalidArgumentsAreNot() {
        answer("not-a-token", 400, fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                "The registration token is not a valid FCM registration token",
                "{\"@type\": \"type.googleapis.com/google.rpc.BadRequest\", \"fieldViolations\": [{\"field\":"
                        + " \"message.token\", \"description\": \"Invalid registration token\"}]}"), Map.of());
        answer("tok-big", 400, fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                "Request contains an invalid argument.",
                "{\"@type\": \"type.googleapis.com/google.rpc.BadRequest\", \"fieldViolations\": [{\"field\":"
                        + " \"message.notification.image\", \"description\": \"Invalid image URL\"}]}"), Map.of());

        List<SendResult> results = sender.sendAll(List.of(push("not-a-token"), push("tok-big")));

        assertThat(((SendResult.Rejected) results.get(0)).failure()).isEqualTo(Failure.INVALID_ADDRESS);
        assertThat(((SendResult.Rejected) results.get(1)).failure()).isEqualTo(Failure.OTHER);
    }

    @Test
    void aBatchAnswersEachMessageInOrder() {
        accept("tok-1", "m1");
        answer("tok-2", 404, fcmError(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", null),
                Map.of());
        accept("tok-3", "m3");
        OutboundMessage reserved = push("tok-4", Map.of(Content.TITLE, "x"), Map.of("google.sent_time", "1"));

        List<SendResult> results = sender.sendAll(List.of(push("tok-1"), push("tok-2"), reserved, push("tok-3")));

        assertThat(results).hasSize(4);
        assertThat(results.get(0)).isEqualTo(new SendResult.Accepted("projects/" + PROJECT + "/messages/m1"));
        assertThat(((SendResult.Rejected) results.get(1)).failure()).isEqualTo(Failure.UNREGISTERED);
        assertThat(((SendResult.Rejected) results.get(2)).failure()).isEqualTo(Failure.OTHER);
        assertThat(results.get(3)).isEqualTo(new SendResult.Accepted("projects/" + PROJECT + "/messages/m3"));
        // The message the SDK refused to build was never sent.
        stub.verify(3, postRequestedFor(urlEqualTo(SEND)));
    }

    @Test
    void moreThanMaxBatchIsSentInBatchesOf500() {
        assertThat(sender.maxBatch()).isEqualTo(500);
        stub.stubFor(post(urlEqualTo(SEND)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"name\": \"projects/" + PROJECT + "/messages/{{jsonPath request.body '$.message.token'}}\"}")
                .withTransformers("response-template")));
        List<OutboundMessage> messages = new ArrayList<>();
        IntStream.range(0, 501).forEach(i -> messages.add(push("t" + i)));

        List<SendResult> results = sender.sendAll(messages);

        assertThat(results).hasSize(501);
        for (int i = 0; i < 501; i++) {
            assertThat(results.get(i)).isEqualTo(new SendResult.Accepted("projects/" + PROJECT + "/messages/t" + i));
        }
    }

    @Test
    void anEmptyPushIsRejectedWithoutACall() {
        SendResult result = sender.send(push("tok-e", Map.of(), Map.of()));
        assertThat(((SendResult.Rejected) result).failure()).isEqualTo(Failure.OTHER);
        stub.verify(0, postRequestedFor(urlEqualTo(SEND)));
    }

    @Test
    void anUnreachableFcmIsARetry() {
        // Fetch the OAuth token first, then take FCM away.
        accept("tok-x", "x");
        assertThat(sender.send(push("tok-x"))).isInstanceOf(SendResult.Accepted.class);
        stub.stop();
        assertThat(sender.send(push("tok-x"))).isInstanceOf(SendResult.Retry.class);
    }

    /** The runtime calls FCM through sendAllAsync: the same requests and the same outcome per message, in order. */
    @Test
    void theAsynchronousBatchAnswersLikeTheSynchronousOne() throws Exception {
        assertThat(sender.sendsAsynchronously()).isTrue();
        accept("tok-1", "m1");
        answer("tok-2", 404, fcmError(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", null),
                Map.of());
        accept("tok-3", "m3");
        OutboundMessage reserved = push("tok-4", Map.of(Content.TITLE, "x"), Map.of("google.sent_time", "1"));

        List<SendResult> results = sender.sendAllAsync(List.of(push("tok-1"), push("tok-2"), reserved,
                push("tok-3"))).toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(results).hasSize(4);
        assertThat(results.get(0)).isEqualTo(new SendResult.Accepted("projects/" + PROJECT + "/messages/m1"));
        assertThat(((SendResult.Rejected) results.get(1)).failure()).isEqualTo(Failure.UNREGISTERED);
        assertThat(((SendResult.Rejected) results.get(2)).failure()).isEqualTo(Failure.OTHER);
        assertThat(results.get(3)).isEqualTo(new SendResult.Accepted("projects/" + PROJECT + "/messages/m3"));
        stub.verify(3, postRequestedFor(urlEqualTo(SEND)));

        // FCM gone: a retry, as the synchronous call answers, not an exceptional stage.
        stub.stop();
        assertThat(sender.sendAsync(push("tok-1")).toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOf(SendResult.Retry.class);
    }
}
