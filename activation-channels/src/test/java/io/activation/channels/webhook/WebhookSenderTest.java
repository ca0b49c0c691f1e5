package io.activation.channels.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.activation.channels.MutableTestClock;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.Recipient;
import io.activation.delivery.spi.SendResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook sender against a JDK HTTP server on a random loopback port that records what it receives. */
class WebhookSenderTest {

    private static final String SECRET = "whsec-test-0123456789";

    record Received(String method, String path, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final MutableTestClock clock = new MutableTestClock(Instant.parse("2026-11-22T10:00:00Z"));
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private volatile int status = 200;
    private volatile Map<String, String> responseHeaders = Map.of();
    private volatile long delayMillis;
    private volatile String answerBody = "{\"ok\":true}";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    Map.copyOf(exchange.getRequestHeaders()), body));
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis); // the stub is slow on purpose: the client's timeout is under test
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            responseHeaders.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] answer = answerBody.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/activation");
    }

    private WebhookSender sender(Duration readTimeout) {
        return new WebhookSender(new WebhookChannelProperties(url(), SECRET, Duration.ofSeconds(2), readTimeout),
                clock);
    }

    private static OutboundMessage message(String body) {
        return new OutboundMessage("req-42:webhook", 7, 3, "webhook", new Recipient("ignored", null, null),
                new Content(Map.of(Content.BODY, body), Map.of()), 1, Instant.parse("2026-11-22T09:00:00Z"),
                Map.of());
    }

    @Test
    void postsTheBodySignedWithTheTimestampAndTheIdempotencyKey() {
        String body = "{\"event\":\"cart\",\"name\":\"Zoë\"}";
        SendResult result = sender(Duration.ofSeconds(5)).send(message(body));

        assertThat(result).isInstanceOf(SendResult.Accepted.class);
        assertThat(received).hasSize(1);
        Received r = received.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/hooks/activation");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(body);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.header("Idempotency-Key")).isEqualTo("req-42:webhook");
        String signature = r.header("Activation-Signature");
        long t = clock.instant().getEpochSecond();
        assertThat(signature).startsWith("t=" + t + ",v1=");
        // Recomputed independently of the sender: HMAC-SHA256(secret, "<t>." + body), hex.
        assertThat(signature).isEqualTo("t=" + t + ",v1=" + hmacHex(SECRET, t + "." + body));
        assertThat(WebhookSignature.verify(SECRET, signature, r.body(), t + 60, 300)).isTrue();
        assertThat(WebhookSignature.verify("other-secret", signature, r.body(), t, 300)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, signature, "{}".getBytes(), t, 300)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, signature, r.body(), t + 301, 300)).isFalse();
        assertThat(sender(Duration.ofSeconds(5)).fixedAddress()).isEqualTo(url().toString());
    }

    @Test
    void tooManyRequestsAndServerErrorsAreRetriedHonouringRetryAfter() {
        status = 429;
        responseHeaders = Map.of("Retry-After", "120");
        assertThat(sender(Duration.ofSeconds(5)).send(message("{}")))
                .isEqualTo(new SendResult.Retry("HTTP 429", Duration.ofSeconds(120)));

        status = 503;
        responseHeaders = Map.of("Retry-After", "Sun, 22 Nov 2026 10:05:00 GMT");
        assertThat(sender(Duration.ofSeconds(5)).send(message("{}")))
                .isEqualTo(new SendResult.Retry("HTTP 503", Duration.ofMinutes(5)));

        status = 500;
        responseHeaders = Map.of();
        assertThat(sender(Duration.ofSeconds(5)).send(message("{}")))
                .isEqualTo(new SendResult.Retry("HTTP 500", null));
    }

    @Test
    void otherClientErrorsAndRedirectsAreRejectedWithoutFollowing() {
        status = 422;
        SendResult rejected = sender(Duration.ofSeconds(5)).send(message("{}"));
        assertThat(rejected).isInstanceOf(SendResult.Rejected.class);
        assertThat(((SendResult.Rejected) rejected).failure()).isEqualTo(SendResult.Failure.OTHER);
        assertThat(((SendResult.Rejected) rejected).reason()).startsWith("HTTP 422");

        received.clear();
        status = 302;
        responseHeaders = Map.of("Location", "http://127.0.0.1:" + server.getAddress().getPort() + "/elsewhere");
        SendResult redirect = sender(Duration.ofSeconds(5)).send(message("{}"));
        assertThat(redirect).isInstanceOf(SendResult.Rejected.class);
        assertThat(received).extracting(Received::path).containsExactly("/hooks/activation");
    }

    @Test
    void aSlowEndpointTimesOutAndIsRetried() {
        delayMillis = 1500;
        SendResult result = sender(Duration.ofMillis(300)).send(message("{}"));
        assertThat(result).isInstanceOf(SendResult.Retry.class);
        assertThat(((SendResult.Retry) result).reason()).startsWith("timeout");
    }

    @Test
    void anUnreachableEndpointIsRetriedAndAnEmptyBodyRejected() {
        int port = server.getAddress().getPort();
        server.stop(0);
        WebhookSender sender = new WebhookSender(new WebhookChannelProperties(
                URI.create("http://127.0.0.1:" + port + "/x"), SECRET, Duration.ofSeconds(1), Duration.ofSeconds(1)),
                clock);
        assertThat(sender.send(message("{}"))).isInstanceOf(SendResult.Retry.class);
        assertThat(sender.send(message(" "))).isInstanceOf(SendResult.Rejected.class);
    }

    /** The runtime calls a webhook through sendAsync: the same request, the same reading of every answer. */
    @Test
    void theAsynchronousCallSendsTheSameSignedRequestAndReadsEveryAnswerAlike() throws Exception {
        WebhookSender sender = sender(Duration.ofSeconds(5));
        assertThat(sender.sendsAsynchronously()).isTrue();
        String body = "{\"event\":\"cart\",\"name\":\"Zoë\"}";
        assertThat(async(sender, message(body))).isEqualTo(new SendResult.Accepted("req-42:webhook"));
        Received r = received.get(0);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(body);
        assertThat(r.header("Idempotency-Key")).isEqualTo("req-42:webhook");
        long t = clock.instant().getEpochSecond();
        assertThat(r.header("Activation-Signature")).isEqualTo("t=" + t + ",v1=" + hmacHex(SECRET, t + "." + body));

        status = 429;
        responseHeaders = Map.of("Retry-After", "120");
        assertThat(async(sender, message("{}"))).isEqualTo(new SendResult.Retry("HTTP 429", Duration.ofSeconds(120)));

        // A rejection's reason carries the start of the answer only, whichever way it was read.
        status = 422;
        responseHeaders = Map.of();
        answerBody = "x".repeat(100_000);
        SendResult rejected = async(sender, message("{}"));
        assertThat(rejected).isEqualTo(sender.send(message("{}")));
        assertThat(((SendResult.Rejected) rejected).reason()).startsWith("HTTP 422: xxx").hasSizeLessThan(300);

        assertThat(async(sender, message(" "))).isInstanceOf(SendResult.Rejected.class);

        status = 200;
        delayMillis = 1500;
        SendResult slow = async(sender(Duration.ofMillis(300)), message("{}"));
        assertThat(slow).isInstanceOf(SendResult.Retry.class);
        assertThat(((SendResult.Retry) slow).reason()).startsWith("timeout");
        delayMillis = 0;

        int port = server.getAddress().getPort();
        server.stop(0);
        WebhookSender unreachable = new WebhookSender(new WebhookChannelProperties(
                URI.create("http://127.0.0.1:" + port + "/x"), SECRET, Duration.ofSeconds(1), Duration.ofSeconds(1)),
                clock);
        assertThat(async(unreachable, message("{}"))).isInstanceOf(SendResult.Retry.class);
    }

    private static SendResult async(WebhookSender sender, OutboundMessage message) throws Exception {
        return sender.sendAsync(message).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static String hmacHex(String secret, String data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
