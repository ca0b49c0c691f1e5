package io.activation.journey.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookCallerTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:15:30Z");

    private WireMockServer wm;
    private final List<WebhookCaller> callers = new java.util.ArrayList<>();

    @BeforeEach
    void start() {
        wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wm.start();
    }

    @AfterEach
    void stop() {
        callers.forEach(WebhookCaller::close);
        wm.stop();
    }

    private WebhookCaller caller(WebhookCaller.Builder builder) {
        WebhookCaller caller = builder.clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
        callers.add(caller);
        return caller;
    }

    /** The test server is on loopback, so calling it needs private networks allowed for this caller only. */
    private WebhookCaller local() {
        return caller(WebhookCaller.builder().allowPrivateNetworks(true).readTimeout(Duration.ofSeconds(5)));
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + wm.port() + path);
    }

    @Test
    void signsTheBodySoTheReceiverCanVerifyIt() throws Exception {
        wm.stubFor(post("/hook").willReturn(aResponse().withStatus(200).withBody("thanks")));
        String body = "{\"contactId\":42,\"name\":\"Zoë\"}";

        WebhookResult result = local().post(url("/hook"), body, "s3cret", "journey-7:step-3:occ-1");

        assertThat(result.ok()).isTrue();
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.error()).isNull();
        assertThat(result.body()).isEqualTo("thanks");
        assertThat(result.duration()).isPositive();
        List<LoggedRequest> requests = wm.findAll(postRequestedFor(urlEqualTo("/hook")));
        assertThat(requests).hasSize(1);
        LoggedRequest request = requests.get(0);
        assertThat(request.getHeader("Idempotency-Key")).isEqualTo("journey-7:step-3:occ-1");
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        // Verify as a receiver would: parse t and v1, recompute over the raw body bytes, compare in constant time.
        String header = request.getHeader("Activation-Signature");
        assertThat(header).matches("t=\\d+,v1=[0-9a-f]{64}");
        String t = header.substring(2, header.indexOf(','));
        String v1 = header.substring(header.indexOf("v1=") + 3);
        assertThat(Long.parseLong(t)).isEqualTo(NOW.getEpochSecond());
        byte[] raw = request.getBody();
        assertThat(new String(raw, StandardCharsets.UTF_8)).isEqualTo(body);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
        byte[] expected = mac.doFinal(raw);
        assertThat(MessageDigest.isEqual(expected, HexFormat.of().parseHex(v1))).isTrue();
        // A different secret does not verify.
        assertThat(WebhookCaller.signature("other", Long.parseLong(t), raw)).isNotEqualTo(header);
    }

    @Test
    void anErrorStatusIsAFailedCallWithItsStatus() {
        wm.stubFor(post("/hook").willReturn(aResponse().withStatus(503).withBody("busy")));

        WebhookResult result = local().post(url("/hook"), "{}", null, null);

        assertThat(result.ok()).isFalse();
        assertThat(result.status()).isEqualTo(503);
        assertThat(result.error()).isEqualTo("HTTP 503");
        LoggedRequest request = wm.findAll(postRequestedFor(urlEqualTo("/hook"))).get(0);
        assertThat(request.containsHeader("Activation-Signature")).isFalse();
        assertThat(request.containsHeader("Idempotency-Key")).isFalse();
    }

    @Test
    void aSlowReceiverTimesOut() {
        wm.stubFor(post("/slow").willReturn(aResponse().withStatus(200).withFixedDelay(3_000)));
        WebhookCaller caller = caller(WebhookCaller.builder().allowPrivateNetworks(true)
                .readTimeout(Duration.ofMillis(300)));

        WebhookResult result = caller.post(url("/slow"), "{}", "k", "id-1");

        assertThat(result.ok()).isFalse();
        assertThat(result.status()).isZero();
        assertThat(result.error()).startsWith("timeout");
        assertThat(result.duration()).isLessThan(Duration.ofMillis(2_500));
    }

    @Test
    void redirectsAreNotFollowed() {
        wm.stubFor(post("/hook").willReturn(aResponse().withStatus(302).withHeader("Location", "/elsewhere")));
        wm.stubFor(post("/elsewhere").willReturn(aResponse().withStatus(200)));

        WebhookResult result = local().post(url("/hook"), "{}", "k", "id-1");

        assertThat(result.ok()).isFalse();
        assertThat(result.status()).isEqualTo(302);
        assertThat(result.error()).contains("redirect not followed");
        assertThat(wm.findAll(anyRequestedFor(urlEqualTo("/elsewhere")))).isEmpty();
    }

    @Test
    void theAnswerIsReadOnlyUpToTheCap() {
        wm.stubFor(post("/big").willReturn(aResponse().withStatus(200).withBody("x".repeat(200_000))));
        WebhookCaller caller = caller(WebhookCaller.builder().allowPrivateNetworks(true).maxResponseBytes(1024));

        WebhookResult result = caller.post(url("/big"), "{}", "k", "id-1");

        assertThat(result.ok()).isTrue();
        assertThat(result.body()).hasSize(1024);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://127.0.0.1:PORT/hook", "http://localhost:PORT/hook", "http://[::1]:PORT/hook",
            "http://2130706433:PORT/hook", "http://0177.0.0.1:PORT/hook", "http://0x7f.0.0.1:PORT/hook",
            "http://127.1:PORT/hook", "http://017700000001:PORT/hook", "http://[::ffff:127.0.0.1]:PORT/hook",
            "http://10.1.2.3/hook", "http://172.16.0.1/hook", "http://192.168.1.1/hook",
            "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/hook", "http://0.0.0.0:PORT/hook",
            "http://224.0.0.1/hook", "http://[fd12:3456::1]/hook", "http://[fe80::1]/hook",
            "http://[ff02::1]/hook", "http://[64:ff9b::a00:1]/hook", "http://[2002:a00:1::]/hook",
            "ftp://example.com/hook", "file:///etc/passwd", "http://user:pw@example.com/hook"})
    void privateAndOddTargetsAreRefusedWithoutAConnection(String target) {
        wm.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)));
        WebhookCaller guarded = caller(WebhookCaller.builder());

        WebhookResult result = guarded.post(URI.create(target.replace("PORT", String.valueOf(wm.port()))), "{}",
                "k", "id-1");

        assertThat(result.ok()).as(target).isFalse();
        assertThat(result.status()).isZero();
        assertThat(result.error()).as(target).startsWith("refused: ");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void theConnectionGoesToTheAddressTheResolverCheckedAndItResolvesOnce() throws Exception {
        wm.stubFor(post("/hook").willReturn(aResponse().withStatus(204)));
        AtomicInteger lookups = new AtomicInteger();
        // "hooks.shop.test" exists only in this name service; the connection can only reach the test server
        // through the address the checking resolver returned.
        WebhookCaller caller = caller(WebhookCaller.builder().allowedNetworks(List.of("127.0.0.0/8"))
                .nameService(host -> {
                    assertThat(host).isEqualTo("hooks.shop.test");
                    lookups.incrementAndGet();
                    return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
                }));

        WebhookResult result = caller.post(URI.create("http://hooks.shop.test:" + wm.port() + "/hook"), "{}", "k",
                "id-1");

        assertThat(result.ok()).as(result.error()).isTrue();
        assertThat(lookups).hasValue(1);
        assertThat(wm.findAll(postRequestedFor(urlEqualTo("/hook"))).get(0).getHeader("Host"))
                .startsWith("hooks.shop.test");
    }

    @Test
    void aNameWithOnePrivateAddressAmongPublicOnesIsRefused() {
        wm.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)));
        WebhookCaller caller = caller(WebhookCaller.builder().nameService(host -> new InetAddress[] {
                InetAddress.getByName("93.184.215.14"), InetAddress.getByName("127.0.0.1")}));

        WebhookResult result = caller.post(URI.create("http://rebind.shop.test:" + wm.port() + "/hook"), "{}", "k",
                "id-1");

        assertThat(result.error()).startsWith("refused: ").contains("127.0.0.1");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void theAllowListLimitsTheHosts() {
        WebhookCaller caller = caller(WebhookCaller.builder().allowPrivateNetworks(true)
                .allowedHosts(List.of("*.example.com", "hooks.partner.io")));

        assertThat(caller.post(url("/hook"), "{}", "k", "id").error()).startsWith("refused: ").contains("allow-list");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void publicAddressesPass() throws Exception {
        for (String a : List.of("8.8.8.8", "93.184.215.14", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111",
                "::ffff:8.8.8.8")) {
            assertThat(NetworkPolicy.nonPublic(InetAddress.getByName(a))).as(a).isNull();
        }
        for (String a : List.of("127.0.0.1", "10.0.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254",
                "100.127.255.255", "0.1.2.3", "255.255.255.255", "::1", "::", "fc00::1", "fe80::1", "ff0e::1",
                "::127.0.0.1", "64:ff9b::7f00:1", "2002:c0a8:101::1")) {
            assertThat(NetworkPolicy.nonPublic(InetAddress.getByName(a))).as(a).isNotNull();
        }
    }
}
