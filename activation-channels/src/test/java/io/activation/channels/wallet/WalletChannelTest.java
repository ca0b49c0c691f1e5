package io.activation.channels.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.UnregisteredDeviceTokenException;
import io.activation.channels.MutableTestClock;
import io.activation.channels.TestDatabase;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.Recipient;
import io.activation.delivery.spi.SendResult;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The wallet channel end to end without the application: passes signed with a self-made chain, the PassKit web
 * service through MockMvc, update notifications through Pushy's client to Pushy's mock APNs server over HTTP/2 and
 * TLS (client certificate = the pass type certificate).
 */
class WalletChannelTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path directory;

    static TestCertificates certs;
    static MockApnsServer apnsServer;
    static int apnsPort;
    static final List<Push> pushes = new CopyOnWriteArrayList<>();
    static final Set<String> unregisteredTokens = ConcurrentHashMap.newKeySet();

    record Push(String path, String topic, String pushType, String payload, boolean accepted) {}

    private final JdbcTemplate jdbc = TestDatabase.jdbc();
    private final MutableTestClock clock = new MutableTestClock(Instant.parse("2026-11-22T10:00:00.123456Z"));
    private WalletChannelProperties properties;
    private WalletPasses passes;
    private PassFactory factory;
    private WalletLinks links;
    private static ApnsNotifier apns;
    private WalletSender sender;
    private MockMvc mvc;
    private long contact;

    @BeforeAll
    static void startApns() throws Exception {
        certs = new TestCertificates(directory);
        apnsServer = new MockApnsServerBuilder()
                .setServerCredentials(new java.security.cert.X509Certificate[] {certs.server, certs.ca},
                        certs.serverKey, null)
                .setTrustedClientCertificateChain(certs.caPem.toFile())
                // Recorded in the handler, which runs before the answer is written: the client has seen the answer
                // only after the push was recorded, so assertions after send() need no waiting.
                .setHandlerFactory(session -> (headers, payload) -> {
                    String path = headers.path().toString();
                    String token = path.substring(path.lastIndexOf('/') + 1);
                    boolean gone = unregisteredTokens.contains(token);
                    pushes.add(push(headers, payload, !gone));
                    if (gone) {
                        throw new UnregisteredDeviceTokenException(Instant.now());
                    }
                })
                .build();
        apnsPort = apnsServer.start(0).get();
    }

    private static Push push(Http2Headers headers, ByteBuf payload, boolean accepted) {
        CharSequence topic = headers.get("apns-topic");
        CharSequence type = headers.get("apns-push-type");
        return new Push(headers.path().toString(), topic == null ? null : topic.toString(),
                type == null ? null : type.toString(),
                payload == null ? "" : payload.toString(StandardCharsets.UTF_8), accepted);
    }

    @AfterAll
    static void stopApns() throws Exception {
        if (apns != null) {
            apns.close();
        }
        apnsServer.shutdown().get();
    }

    @BeforeEach
    void setUp() {
        pushes.clear();
        unregisteredTokens.clear();
        properties = new WalletChannelProperties(certs.passP12, TestCertificates.PASSWORD, certs.wwdrDer,
                TestCertificates.PASS_TYPE, "TEAM123456", "Activation Shop", URI.create("https://shop.example/"),
                "download-link-secret-0123456789",
                new WalletChannelProperties.Apns("localhost", apnsPort, certs.caPem));
        passes = new WalletPasses(jdbc, new DataSourceTransactionManager(TestDatabase.dataSource()), clock);
        factory = new PassFactory(properties);
        links = new WalletLinks(properties);
        if (apns == null) {
            apns = new ApnsNotifier(properties);
        }
        sender = new WalletSender(passes, factory, apns, properties);
        mvc = MockMvcBuilders.standaloneSetup(new WalletWebService(passes, factory, links, properties))
                .setControllerAdvice(new WalletProblems()).build();
        contact = TestDatabase.newContact();
    }


    private OutboundMessage message(String passType, Map<String, String> fields, int attempt) {
        return new OutboundMessage("req-" + contact + ":wallet", 11, contact, "wallet",
                new Recipient(WalletSender.ADDRESS, "Ada", Map.of()),
                new Content(Map.of(Content.PASS_TYPE, passType, Content.DESCRIPTION, "Shop loyalty card"), fields),
                attempt, clock.instant(), Map.of());
    }

    private String issue(Map<String, String> fields) {
        SendResult result = sender.send(message("loyalty", fields, 1));
        assertThat(result).isInstanceOf(SendResult.Accepted.class);
        return ((SendResult.Accepted) result).providerId();
    }

    private WalletPass pass(String serial) {
        return passes.find(TestCertificates.PASS_TYPE, serial).orElseThrow();
    }

    private static String auth(WalletPass pass) {
        return "ApplePass " + pass.authToken();
    }

    private String registrationPath(String device, String serial) {
        return "/wallet/v1/devices/" + device + "/registrations/" + TestCertificates.PASS_TYPE + "/" + serial;
    }

    @Test
    void aPassIsAZipWithPassJsonManifestHashesAndASignatureByThePassCertificate() throws Exception {
        String serial = issue(Map.of("primary.points", "120", "member", "Ada Lovelace", "barcode", "M-0001"));
        assertThat(sender.fixedAddress()).isEqualTo("wallet");
        WalletPass pass = pass(serial);
        assertThat(pass.contactId()).isEqualTo(contact);
        assertThat(pass.style()).isEqualTo(PassStyle.LOYALTY);

        Map<String, byte[]> zip = unzip(factory.signed(pass));

        assertThat(zip).containsKeys("pass.json", "manifest.json", "signature", "icon.png", "icon@2x.png");
        JsonNode manifest = JSON.readTree(zip.get("manifest.json"));
        for (Map.Entry<String, byte[]> file : zip.entrySet()) {
            if (file.getKey().equals("manifest.json") || file.getKey().equals("signature")) {
                continue;
            }
            assertThat(manifest.path(file.getKey()).asString()).as(file.getKey())
                    .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(file.getValue())));
        }
        JsonNode json = JSON.readTree(zip.get("pass.json"));
        assertThat(json.path("passTypeIdentifier").asString()).isEqualTo(TestCertificates.PASS_TYPE);
        assertThat(json.path("serialNumber").asString()).isEqualTo(serial);
        assertThat(json.path("teamIdentifier").asString()).isEqualTo("TEAM123456");
        assertThat(json.path("authenticationToken").asString()).isEqualTo(pass.authToken()).hasSizeGreaterThan(16);
        assertThat(json.path("webServiceURL").asString()).isEqualTo("https://shop.example/wallet");
        assertThat(json.path("description").asString()).isEqualTo("Shop loyalty card");
        assertThat(json.path("storeCard").path("primaryFields").get(0).path("value").asString()).isEqualTo("120");
        assertThat(json.path("storeCard").path("secondaryFields").get(0).path("value").asString())
                .isEqualTo("Ada Lovelace");
        assertThat(json.path("barcodes").get(0).path("message").asString()).isEqualTo("M-0001");

        // Detached PKCS#7 over manifest.json, by the pass type certificate, carrying the WWDR certificate.
        CMSSignedData signed = new CMSSignedData(new CMSProcessableByteArray(zip.get("manifest.json")),
                zip.get("signature"));
        SignerInformation signer = signed.getSignerInfos().getSigners().iterator().next();
        assertThat(signer.verify(new JcaSimpleSignerInfoVerifierBuilder().build(certs.pass))).isTrue();
        assertThat(signed.getCertificates().getMatches(null)).extracting(h -> ((X509CertificateHolder) h)
                .getSubject().toString()).anyMatch(s -> s.contains("Test WWDR CA"));
        CMSSignedData tampered = new CMSSignedData(new CMSProcessableByteArray("{}".getBytes()),
                zip.get("signature"));
        assertThat(verifies(tampered)).as("a signature over another manifest").isFalse();

        SendResult coupon = sender.send(message("coupon", Map.of("primary.offer", "10% off"), 1));
        JsonNode couponJson = JSON.readTree(unzip(factory.signed(pass(((SendResult.Accepted) coupon)
                .providerId()))).get("pass.json"));
        assertThat(couponJson.path("coupon").path("primaryFields").get(0).path("value").asString())
                .isEqualTo("10% off");
        assertThat(sender.send(message("boarding", Map.of(), 1))).isInstanceOf(SendResult.Rejected.class);
        SendResult clash = sender.send(message("coupon", Map.of("primary.offer", "a", "back.offer", "b"), 1));
        assertThat(clash).isEqualTo(new SendResult.Rejected("two pass fields are named 'offer'",
                SendResult.Failure.OTHER));
        assertThat(pass(((SendResult.Accepted) coupon).providerId()).fields()).as("nothing saved")
                .containsExactly(Map.entry("primary.offer", "10% off"));
    }

    @Test
    void theWebServiceRegistersDevicesListsUpdatesAndServesTheLatestPassOnlyWithTheAuthToken() throws Exception {
        String serial = issue(Map.of("primary.points", "10"));
        WalletPass pass = pass(serial);
        String body = "{\"pushToken\":\"aabbcc01\"}";

        mvc.perform(post(registrationPath("device-1", serial)).content(body)).andExpect(status().isUnauthorized());
        mvc.perform(post(registrationPath("device-1", serial)).header("Authorization", "ApplePass wrong")
                .content(body)).andExpect(status().isUnauthorized());
        mvc.perform(post(registrationPath("device-1", serial)).header("Authorization", "Bearer " + pass.authToken())
                .content(body)).andExpect(status().isUnauthorized());
        assertThat(passes.registrations(TestCertificates.PASS_TYPE, serial)).isEmpty();

        mvc.perform(post(registrationPath("device-1", serial)).header("Authorization", auth(pass))
                .content("{\"pushToken\":\"\"}")).andExpect(status().isUnprocessableContent())
                .andExpect(content().contentType("application/problem+json"))
                .andExpect(jsonPath("$.type").value("https://activation.dev/problems/invalid-input"))
                .andExpect(jsonPath("$.field").value("pushToken"));
        mvc.perform(post(registrationPath("device-1", serial)).header("Authorization", auth(pass))
                .content("not json")).andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.field").value("pushToken"));
        mvc.perform(post(registrationPath("device-1", serial)).header("Authorization", auth(pass)).content(body))
                .andExpect(status().isCreated());
        mvc.perform(post(registrationPath("device-1", serial)).header("Authorization", auth(pass)).content(body))
                .andExpect(status().isOk());
        assertThat(passes.registrations(TestCertificates.PASS_TYPE, serial)).extracting(r -> r.pushToken())
                .containsExactly("aabbcc01");

        MvcResult listed = mvc.perform(get("/wallet/v1/devices/device-1/registrations/" + TestCertificates.PASS_TYPE))
                .andExpect(status().isOk()).andExpect(jsonPath("$.serialNumbers[0]").value(serial)).andReturn();
        String tag = JSON.readTree(listed.getResponse().getContentAsString()).path("lastUpdated").asString();
        mvc.perform(get("/wallet/v1/devices/device-1/registrations/" + TestCertificates.PASS_TYPE)
                .param("passesUpdatedSince", tag)).andExpect(status().isNoContent());
        mvc.perform(get("/wallet/v1/devices/device-1/registrations/" + TestCertificates.PASS_TYPE)
                .param("passesUpdatedSince", "yesterday")).andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.errors[0].field").value("passesUpdatedSince"));
        mvc.perform(get("/wallet/v1/devices/device-2/registrations/" + TestCertificates.PASS_TYPE))
                .andExpect(status().isNoContent());

        String passPath = "/wallet/v1/passes/" + TestCertificates.PASS_TYPE + "/" + serial;
        mvc.perform(get(passPath)).andExpect(status().isUnauthorized());
        MvcResult latest = mvc.perform(get(passPath).header("Authorization", auth(pass)))
                .andExpect(status().isOk()).andExpect(content().contentType("application/vnd.apple.pkpass"))
                .andExpect(header().exists("Last-Modified")).andReturn();
        assertThat(unzip(latest.getResponse().getContentAsByteArray())).containsKeys("pass.json", "signature");
        String lastModified = latest.getResponse().getHeader("Last-Modified");
        mvc.perform(get(passPath).header("Authorization", auth(pass)).header("If-Modified-Since", lastModified))
                .andExpect(status().isNotModified());

        // An update moves the tag: the device sees the serial again and gets the new pass.
        clock.advance(Duration.ofMinutes(3));
        sender.send(message("loyalty", Map.of("primary.points", "25"), 1));
        mvc.perform(get("/wallet/v1/devices/device-1/registrations/" + TestCertificates.PASS_TYPE)
                .param("passesUpdatedSince", tag)).andExpect(status().isOk())
                .andExpect(jsonPath("$.serialNumbers[0]").value(serial));
        MvcResult changed = mvc.perform(get(passPath).header("Authorization", auth(pass))
                .header("If-Modified-Since", lastModified)).andExpect(status().isOk()).andReturn();
        JsonNode json = JSON.readTree(unzip(changed.getResponse().getContentAsByteArray()).get("pass.json"));
        assertThat(json.path("storeCard").path("primaryFields").get(0).path("value").asString()).isEqualTo("25");

        mvc.perform(post("/wallet/v1/log").content("{\"logs\":[\"Web service error for pass\"]}"))
                .andExpect(status().isOk());
        mvc.perform(post("/wallet/v1/log").content("{\"logs\":[\"" + "x".repeat(70_000) + "\"]}"))
                .andExpect(status().isUnprocessableContent()).andExpect(jsonPath("$.field").value("logs"));
        mvc.perform(post("/wallet/v1/log").content("{\"logs\":\"nope\"}"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.errors[0].field").value("logs"));

        mvc.perform(delete(registrationPath("device-1", serial))).andExpect(status().isUnauthorized());
        assertThat(passes.registrations(TestCertificates.PASS_TYPE, serial)).hasSize(1);
        mvc.perform(delete(registrationPath("device-1", serial)).header("Authorization", auth(pass)))
                .andExpect(status().isOk());
        assertThat(passes.registrations(TestCertificates.PASS_TYPE, serial)).isEmpty();
    }

    @Test
    void theDownloadLinkServesTheContactsPassAndRefusesAlteredTokens() throws Exception {
        String serial = issue(Map.of("primary.points", "1"));
        String url = links.downloadUrl(contact, PassStyle.LOYALTY);
        assertThat(url).startsWith("https://shop.example/wallet/v1/download/");
        String token = url.substring(url.lastIndexOf('/') + 1);

        MvcResult ok = mvc.perform(get("/wallet/v1/download/" + token)).andExpect(status().isOk())
                .andExpect(content().contentType("application/vnd.apple.pkpass")).andReturn();
        assertThat(JSON.readTree(unzip(ok.getResponse().getContentAsByteArray()).get("pass.json"))
                .path("serialNumber").asString()).isEqualTo(serial);

        String other = links.token(contact + 1, PassStyle.LOYALTY);
        String forged = other.substring(0, other.indexOf('.')) + token.substring(token.indexOf('.'));
        mvc.perform(get("/wallet/v1/download/" + forged)).andExpect(status().isNotFound())
                .andExpect(jsonPath("$.field").value("token"));
        mvc.perform(get("/wallet/v1/download/" + links.token(contact, PassStyle.COUPON)))
                .andExpect(status().isNotFound());
        mvc.perform(get("/wallet/v1/download/garbage")).andExpect(status().isNotFound());
    }

    @Test
    void anUpdatePushesAnEmptyNotificationToEveryDeviceWithThePassTypeAsTopic() {
        String serial = issue(Map.of("primary.points", "10"));
        assertThat(pushes).as("a new pass has no devices").isEmpty();
        passes.register("device-1", TestCertificates.PASS_TYPE, serial, "0a0a0a01");
        passes.register("device-2", TestCertificates.PASS_TYPE, serial, "0b0b0b02");

        assertThat(sender.send(message("loyalty", Map.of("primary.points", "10"), 1)))
                .isEqualTo(new SendResult.Accepted(serial));
        assertThat(pushes).as("unchanged: nothing to tell").isEmpty();

        assertThat(sender.send(message("loyalty", Map.of("primary.points", "30"), 1)))
                .isEqualTo(new SendResult.Accepted(serial));

        assertThat(pushes).extracting(Push::path)
                .containsExactlyInAnyOrder("/3/device/0a0a0a01", "/3/device/0b0b0b02");
        assertThat(pushes).allSatisfy(p -> {
            assertThat(p.topic()).isEqualTo(TestCertificates.PASS_TYPE);
            assertThat(JSON.readTree(p.payload()).isEmpty()).as("payload %s", p.payload()).isTrue();
            assertThat(p.payload().strip()).isEqualTo("{}");
            assertThat(p.accepted()).isTrue();
        });
    }

    @Test
    void apnsUnregisteredRemovesTheRegistrationAndAnUnreachableApnsIsRetried() throws Exception {
        String serial = issue(Map.of("primary.points", "10"));
        passes.register("device-1", TestCertificates.PASS_TYPE, serial, "0c0c0c01");
        passes.register("device-2", TestCertificates.PASS_TYPE, serial, "0d0d0d02");
        unregisteredTokens.add("0d0d0d02");

        assertThat(sender.send(message("loyalty", Map.of("primary.points", "11"), 1)))
                .isEqualTo(new SendResult.Accepted(serial));

        assertThat(pushes).extracting(Push::path, Push::accepted).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("/3/device/0c0c0c01", true),
                org.assertj.core.groups.Tuple.tuple("/3/device/0d0d0d02", false));
        assertThat(passes.registrations(TestCertificates.PASS_TYPE, serial))
                .extracting(WalletPasses.Registration::deviceLibraryIdentifier).containsExactly("device-1");

        // APNs out of reach: the pass is saved, the send is retried (and the retry notifies even if unchanged).
        WalletChannelProperties nowhere = new WalletChannelProperties(certs.passP12, TestCertificates.PASSWORD,
                certs.wwdrDer, TestCertificates.PASS_TYPE, "TEAM123456", "Shop", URI.create("https://shop.example"),
                "download-link-secret-0123456789", new WalletChannelProperties.Apns("localhost", freePort(),
                        certs.caPem));
        try (ApnsNotifier down = new ApnsNotifier(nowhere)) {
            SendResult result = new WalletSender(passes, factory, down, properties)
                    .send(message("loyalty", Map.of("primary.points", "12"), 1));
            assertThat(result).isInstanceOf(SendResult.Retry.class);
        }
        assertThat(pass(serial).fields()).containsEntry("primary.points", "12");
        pushes.clear();
        assertThat(sender.send(message("loyalty", Map.of("primary.points", "12"), 2)))
                .isEqualTo(new SendResult.Accepted(serial));
        assertThat(pushes).extracting(Push::path).containsExactly("/3/device/0c0c0c01");
    }

    private static boolean verifies(CMSSignedData signed) throws Exception {
        try {
            return signed.getSignerInfos().getSigners().iterator().next()
                    .verify(new JcaSimpleSignerInfoVerifierBuilder().build(certs.pass));
        } catch (org.bouncycastle.cms.CMSSignerDigestMismatchException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                files.put(e.getName(), in.readAllBytes());
            }
        }
        return files;
    }

    static String httpDate(Instant instant) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atOffset(ZoneOffset.UTC));
    }
}
