package io.activation.channels.sms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.activation.delivery.spi.InboundMessage;
import io.activation.delivery.spi.ProviderFeedback;
import io.activation.delivery.spi.StatusReport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * Twilio's callbacks with real signatures: computed here by Twilio's documented algorithm (HMAC-SHA1 with the auth
 * token over the full URL followed by the POST fields sorted by name, each name directly followed by its value),
 * independently of the SDK's validator the controller uses.
 */
class TwilioWebhookControllerTest {

    static final String TOKEN = "test-auth-token";
    static final String BASE = "https://act.example.com";
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    static final String SID = "SM" + "a".repeat(32);

    private final Recording feedback = new Recording();
    private MockMvc mvc;

    static final class Recording implements ProviderFeedback {
        final List<StatusReport> statuses = new ArrayList<>();
        final List<InboundMessage> inbound = new ArrayList<>();

        @Override
        public void status(StatusReport report) {
            statuses.add(report);
        }

        @Override
        public void inbound(InboundMessage message) {
            inbound.add(message);
        }
    }

    @BeforeEach
    void setUp() {
        TwilioProperties properties = new TwilioProperties(TwilioSmsSenderTest.ACCOUNT, TOKEN,
                TwilioSmsSenderTest.SERVICE, BASE + "/");
        StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("feedback", feedback));
        mvc = MockMvcBuilders.standaloneSetup(new TwilioWebhookController(properties,
                beans.getBeanProvider(ProviderFeedback.class), Clock.fixed(NOW, ZoneOffset.UTC))).build();
    }

    static String sign(String url, Map<String, String> form) throws Exception {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(form).forEach((k, v) -> data.append(k).append(v));
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(TOKEN.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
    }

    static MockHttpServletRequestBuilder callback(String pathAndQuery, Map<String, String> form, String signature) {
        MockHttpServletRequestBuilder request = post(URI.create(pathAndQuery)).contentType(MediaType.APPLICATION_FORM_URLENCODED);
        form.forEach(request::param);
        if (signature != null) {
            request.header("X-Twilio-Signature", signature);
        }
        return request;
    }

    static Map<String, String> statusForm(String messageStatus, String errorCode) {
        Map<String, String> form = new TreeMap<>(Map.of("MessageSid", SID, "SmsSid", SID, "MessageStatus",
                messageStatus, "AccountSid", TwilioSmsSenderTest.ACCOUNT, "To", "+31612345678", "ApiVersion",
                "2010-04-01"));
        if (errorCode != null) {
            form.put("ErrorCode", errorCode);
        }
        return form;
    }

    @Test
    void aSignedDeliveredCallbackReportsDeliveryWithOurMessageKey() throws Exception {
        // The URL exactly as the sender gave it to Twilio: our key is in the query, encoded.
        String path = new TwilioSmsSender(new TwilioProperties(TwilioSmsSenderTest.ACCOUNT, TOKEN,
                TwilioSmsSenderTest.SERVICE, BASE), Clock.systemUTC()).statusCallback("req-42:sms").toString();
        assertThat(path).isEqualTo(BASE + "/webhooks/twilio/status?messageKey=req-42%3Asms");
        Map<String, String> form = statusForm("delivered", null);

        mvc.perform(callback(path.substring(BASE.length()), form, sign(path, form)))
                .andExpect(status().isNoContent());

        assertThat(feedback.statuses).containsExactly(new StatusReport("sms", "req-42:sms", SID,
                StatusReport.Status.DELIVERED, "Twilio delivered", NOW));
    }

    @Test
    void undeliveredAndFailedReportFailureOrHardBounceByErrorCode() throws Exception {
        String url = BASE + "/webhooks/twilio/status?messageKey=k1";
        Map<String, String> unreachable = statusForm("undelivered", "30003");
        mvc.perform(callback("/webhooks/twilio/status?messageKey=k1", unreachable, sign(url, unreachable)))
                .andExpect(status().isNoContent());
        Map<String, String> landline = statusForm("failed", "30006");
        mvc.perform(callback("/webhooks/twilio/status?messageKey=k1", landline, sign(url, landline)))
                .andExpect(status().isNoContent());

        assertThat(feedback.statuses).extracting(StatusReport::status)
                .containsExactly(StatusReport.Status.FAILED, StatusReport.Status.HARD_BOUNCE);
        assertThat(feedback.statuses.get(0).detail()).isEqualTo("Twilio undelivered (error 30003)");
    }

    @Test
    void intermediateStatusesAreAcknowledgedAndIgnored() throws Exception {
        String url = BASE + "/webhooks/twilio/status?messageKey=k2";
        for (String s : List.of("queued", "sending", "sent")) {
            Map<String, String> form = statusForm(s, null);
            mvc.perform(callback("/webhooks/twilio/status?messageKey=k2", form, sign(url, form)))
                    .andExpect(status().isNoContent());
        }
        assertThat(feedback.statuses).isEmpty();
    }

    @Test
    void aBadOrMissingSignatureIsForbiddenAndReportsNothing() throws Exception {
        String url = BASE + "/webhooks/twilio/status?messageKey=k3";
        Map<String, String> form = statusForm("delivered", null);
        String good = sign(url, form);
        mvc.perform(callback("/webhooks/twilio/status?messageKey=k3", form, null)).andExpect(status().isForbidden());
        // Signed for another message key: the query is part of what is signed.
        mvc.perform(callback("/webhooks/twilio/status?messageKey=k4", form, good)).andExpect(status().isForbidden());
        // A field changed after signing.
        Map<String, String> tampered = new TreeMap<>(form);
        tampered.put("MessageStatus", "failed");
        mvc.perform(callback("/webhooks/twilio/status?messageKey=k3", tampered, good))
                .andExpect(status().isForbidden());
        // Signed with another token.
        mvc.perform(callback("/webhooks/twilio/status?messageKey=k3", form,
                good.substring(1) + "A")).andExpect(status().isForbidden());
        assertThat(feedback.statuses).isEmpty();

        mvc.perform(callback("/webhooks/twilio/status?messageKey=k3", form, good)).andExpect(status().isNoContent());
        assertThat(feedback.statuses).hasSize(1);
    }

    @Test
    void inboundMessagesReachTheCoreAsTheyAre() throws Exception {
        String url = BASE + "/webhooks/twilio/inbound";
        Map<String, String> form = new TreeMap<>(Map.of("MessageSid", SID, "From", "+31612345678", "To",
                "+3197010000000", "Body", "STOP", "NumMedia", "0", "AccountSid", TwilioSmsSenderTest.ACCOUNT));

        mvc.perform(callback("/webhooks/twilio/inbound", form, sign(url, form)))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.TEXT_XML))
                .andExpect(content().string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"));

        assertThat(feedback.inbound).containsExactly(new InboundMessage("sms", "+31612345678", "+3197010000000",
                "STOP", SID, NOW));
    }

    @Test
    void anUnsignedInboundMessageIsForbidden() throws Exception {
        Map<String, String> form = Map.of("MessageSid", SID, "From", "+31612345678", "Body", "START");
        mvc.perform(callback("/webhooks/twilio/inbound", form, sign(BASE + "/webhooks/twilio/status", form)))
                .andExpect(status().isForbidden());
        assertThat(feedback.inbound).isEmpty();
    }

    @Test
    void aSignedCallbackWithoutItsFieldsIsABadRequest() throws Exception {
        String url = BASE + "/webhooks/twilio/status";
        Map<String, String> form = Map.of("AccountSid", TwilioSmsSenderTest.ACCOUNT);
        mvc.perform(callback("/webhooks/twilio/status", form, sign(url, form))).andExpect(status().isBadRequest());
        assertThat(feedback.statuses).isEmpty();
    }

    @Test
    void withoutTheCoresFeedbackTheCallbackIsRefusedForTwilioToRetry() throws Exception {
        TwilioProperties properties = new TwilioProperties(TwilioSmsSenderTest.ACCOUNT, TOKEN,
                TwilioSmsSenderTest.SERVICE, BASE);
        MockMvc bare = MockMvcBuilders.standaloneSetup(new TwilioWebhookController(properties,
                new StaticListableBeanFactory().getBeanProvider(ProviderFeedback.class),
                Clock.fixed(NOW, ZoneOffset.UTC))).build();
        Map<String, String> form = statusForm("delivered", null);
        bare.perform(callback("/webhooks/twilio/status?messageKey=k5", form,
                sign(BASE + "/webhooks/twilio/status?messageKey=k5", form))).andExpect(status().isServiceUnavailable());
    }
}
