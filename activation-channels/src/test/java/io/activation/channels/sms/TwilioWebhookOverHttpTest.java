package io.activation.channels.sms;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.InboundMessage;
import io.activation.delivery.spi.ProviderFeedback;
import io.activation.delivery.spi.StatusReport;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * The webhooks in a real Tomcat: the form is parsed by the container from a real POST and the query string arrives
 * raw, as Twilio signed it.
 */
class TwilioWebhookOverHttpTest {

    static final TwilioWebhookControllerTest.Recording FEEDBACK = new TwilioWebhookControllerTest.Recording();
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    @Configuration
    @EnableWebMvc
    static class Web {
        @Bean
        TomcatServletWebServerFactory tomcat() {
            return new TomcatServletWebServerFactory(0);
        }

        @Bean
        DispatcherServlet dispatcherServlet() {
            return new DispatcherServlet();
        }

        @Bean
        ServletRegistrationBean<DispatcherServlet> dispatcherRegistration(DispatcherServlet servlet) {
            return new ServletRegistrationBean<>(servlet, "/");
        }

        @Bean
        TwilioWebhookController controller(ObjectProvider<ProviderFeedback> feedback) {
            return new TwilioWebhookController(new TwilioProperties(TwilioSmsSenderTest.ACCOUNT,
                    TwilioWebhookControllerTest.TOKEN, TwilioSmsSenderTest.SERVICE,
                    TwilioWebhookControllerTest.BASE), feedback, Clock.fixed(NOW, ZoneOffset.UTC));
        }

        @Bean
        ProviderFeedback feedback() {
            return FEEDBACK;
        }
    }

    private AnnotationConfigServletWebServerApplicationContext context;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        FEEDBACK.statuses.clear();
        FEEDBACK.inbound.clear();
        context = new AnnotationConfigServletWebServerApplicationContext(Web.class);
    }

    @AfterEach
    void stop() {
        context.close();
    }

    private HttpResponse<String> post(String pathAndQuery, Map<String, String> form, String signature)
            throws Exception {
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:"
                        + context.getWebServer().getPort() + pathAndQuery))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSignedStatusCallbackWithAnEncodedKeyIsReported() throws Exception {
        String query = "?messageKey=" + URLEncoder.encode("journey:7/step 2:sms", StandardCharsets.UTF_8);
        Map<String, String> form = new TreeMap<>(Map.of("MessageSid", TwilioWebhookControllerTest.SID,
                "MessageStatus", "undelivered", "ErrorCode", "30005", "To", "+31612345678"));
        String signature = TwilioWebhookControllerTest.sign(TwilioWebhookControllerTest.BASE
                + "/webhooks/twilio/status" + query, form);

        assertThat(post("/webhooks/twilio/status" + query, form, signature).statusCode()).isEqualTo(204);
        assertThat(FEEDBACK.statuses).containsExactly(new StatusReport("sms", "journey:7/step 2:sms",
                TwilioWebhookControllerTest.SID, StatusReport.Status.HARD_BOUNCE, "Twilio undelivered (error 30005)",
                NOW));

        assertThat(post("/webhooks/twilio/status" + query.replace("7", "8"), form, signature).statusCode())
                .isEqualTo(403);
        assertThat(FEEDBACK.statuses).hasSize(1);
    }

    @Test
    void aSignedInboundMessageWithUnicodeIsHandedOn() throws Exception {
        Map<String, String> form = new TreeMap<>(Map.of("MessageSid", TwilioWebhookControllerTest.SID,
                "From", "+31612345678", "To", "+3197010000000", "Body", "Start ✓ ça"));
        String signature = TwilioWebhookControllerTest.sign(TwilioWebhookControllerTest.BASE
                + "/webhooks/twilio/inbound", form);

        HttpResponse<String> answer = post("/webhooks/twilio/inbound", form, signature);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type")).get().asString().startsWith("text/xml");
        assertThat(FEEDBACK.inbound).containsExactly(new InboundMessage("sms", "+31612345678", "+3197010000000",
                "Start ✓ ça", TwilioWebhookControllerTest.SID, NOW));
    }
}
