package io.activation.channels.sms;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.BasicCredentials;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.Recipient;
import io.activation.delivery.spi.SendResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real Twilio SDK against a local stub: the SDK's HTTP client is routed (not configured: Twilio's host is fixed)
 * to WireMock over plain HTTP, and the stub checks what api.twilio.com would have received.
 */
class TwilioSmsSenderTest {

    static final String ACCOUNT = "AC" + "0123456789abcdef".repeat(2);
    static final String TOKEN = "test-auth-token";
    static final String SERVICE = "MG" + "fedcba9876543210".repeat(2);
    static final String MESSAGES = "/2010-04-01/Accounts/" + ACCOUNT + "/Messages.json";
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    private WireMockServer twilio;
    private TwilioSmsSender sender;

    @BeforeEach
    void start() {
        twilio = new WireMockServer(options().dynamicPort());
        twilio.start();
        TwilioProperties properties = new TwilioProperties(ACCOUNT, TOKEN, SERVICE, "https://act.example.com/");
        sender = new TwilioSmsSender(properties, routedTo(twilio.port()), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void stop() {
        twilio.stop();
    }

    /** Every connection of the SDK goes to the stub, whatever host the SDK names. */
    static HttpClientBuilder routedTo(int port) {
        return HttpClientBuilder.create()
                .setRoutePlanner((target, context) -> new HttpRoute(new HttpHost("http", "127.0.0.1", port)));
    }

    static OutboundMessage sms(String to, String text) {
        return new OutboundMessage("req-42:sms", 42, 7, "sms", new Recipient(to, "Ada", Map.of()),
                new Content(Map.of(Content.TEXT, text), Map.of()), 1, NOW, Map.of());
    }

    @Test
    void acceptedMessageSendsExactlyWhatTwilioExpects() {
        twilio.stubFor(post(urlEqualTo(MESSAGES)).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"sid\": \"SM" + "1".repeat(32) + "\", \"status\": \"accepted\", \"account_sid\": \""
                        + ACCOUNT + "\", \"messaging_service_sid\": \"" + SERVICE + "\"}")));

        SendResult result = sender.send(sms("+31612345678", "Your cart misses you — 10% off {today}"));

        assertThat(result).isEqualTo(new SendResult.Accepted("SM" + "1".repeat(32)));
        twilio.verify(1, postRequestedFor(urlEqualTo(MESSAGES))
                .withHeader("Host", equalTo("api.twilio.com"))
                .withBasicAuth(new BasicCredentials(ACCOUNT, TOKEN))
                .withHeader("Content-Type", com.github.tomakehurst.wiremock.client.WireMock
                        .containing("application/x-www-form-urlencoded"))
                .withFormParam("To", equalTo("+31612345678"))
                .withFormParam("MessagingServiceSid", equalTo(SERVICE))
                .withFormParam("Body", equalTo("Your cart misses you — 10% off {today}"))
                .withFormParam("StatusCallback",
                        equalTo("https://act.example.com/webhooks/twilio/status?messageKey=req-42%3Asms")));
        assertThat(twilio.getAllServeEvents().get(0).getRequest().formParameters().keySet())
                .containsExactlyInAnyOrder("To", "MessagingServiceSid", "Body", "StatusCallback");
    }

    @Test
    void tooManyRequestsIsARetryHonouringRetryAfter() {
        twilio.stubFor(post(urlEqualTo(MESSAGES)).willReturn(aResponse().withStatus(429)
                .withHeader("Content-Type", "application/json").withHeader("Retry-After", "17")
                .withBody("{\"code\": 20429, \"message\": \"Too Many Requests\", \"status\": 429,"
                        + " \"more_info\": \"https://www.twilio.com/docs/errors/20429\"}")));

        SendResult result = sender.send(sms("+31612345678", "hi"));

        assertThat(result).isInstanceOf(SendResult.Retry.class);
        assertThat(((SendResult.Retry) result).retryAfter()).isEqualTo(Duration.ofSeconds(17));
        assertThat(((SendResult.Retry) result).reason()).contains("429", "20429");
        twilio.verify(1, postRequestedFor(urlEqualTo(MESSAGES)));
    }

    @Test
    void retryAfterAsAnHttpDateIsMeasuredFromTheClock() {
        twilio.stubFor(post(urlEqualTo(MESSAGES)).willReturn(aResponse().withStatus(429)
                .withHeader("Content-Type", "application/json")
                .withHeader("Retry-After", "Sun, 22 Nov 2026 10:02:00 GMT")
                .withBody("{\"code\": 20429, \"message\": \"Too Many Requests\", \"status\": 429}")));

        SendResult result = sender.send(sms("+31612345678", "hi"));

        assertThat(((SendResult.Retry) result).retryAfter()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void tooManyRequestsWithoutRetryAfterLeavesTheBackoffToTheRuntime() {
        twilio.stubFor(post(urlEqualTo(MESSAGES)).willReturn(aResponse().withStatus(429)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\": 20429, \"message\": \"Too Many Requests\", \"status\": 429}")));

        SendResult result = sender.send(sms("+31612345678", "hi"));

        assertThat(result).isInstanceOf(SendResult.Retry.class);
        assertThat(((SendResult.Retry) result).retryAfter()).isNull();
    }

    @Test
    void serverErrorsAreRetriesAfterTheSdksThreeQuickAttempts() {
        twilio.stubFor(post(urlEqualTo(MESSAGES)).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\": 20503, \"message\": \"Service Unavailable\", \"status\": 503}")));

        SendResult result = sender.send(sms("+31612345678", "hi"));

        assertThat(result).isInstanceOf(SendResult.Retry.class);
        assertThat(((SendResult.Retry) result).reason()).contains("503");
        twilio.verify(3, postRequestedFor(urlEqualTo(MESSAGES)));
    }

    @Test
    void anInvalidNumberIsRejectedAsAnInvalidAddress() {
        twilio.stubFor(post(urlEqualTo(MESSAGES)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\": 21211, \"message\": \"Invalid 'To' Phone Number: +3100\", \"status\": 400,"
                        + " \"more_info\": \"https://www.twilio.com/docs/errors/21211\"}")));

        SendResult result = sender.send(sms("+3100", "hi"));

        assertThat(result).isInstanceOf(SendResult.Rejected.class);
        assertThat(((SendResult.Rejected) result).failure()).isEqualTo(SendResult.Failure.INVALID_ADDRESS);
        assertThat(((SendResult.Rejected) result).reason()).contains("21211");
    }

    @Test
    void anUnsubscribedRecipientIsRejectedAsOptedOut() {
        twilio.stubFor(post(urlEqualTo(MESSAGES)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\": 21610, \"message\": \"Attempt to send to unsubscribed recipient\","
                        + " \"status\": 400}")));

        SendResult result = sender.send(sms("+31612345678", "hi"));

        assertThat(((SendResult.Rejected) result).failure()).isEqualTo(SendResult.Failure.OPTED_OUT);
    }

    @Test
    void aLandlineIsAHardBounceAndOtherRefusalsAreRejectedForGood() {
        twilio.stubFor(post(urlEqualTo(MESSAGES)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\": 21614, \"message\": \"'To' number is not a valid mobile number\","
                        + " \"status\": 400}")));
        assertThat(((SendResult.Rejected) sender.send(sms("+31201234567", "hi"))).failure())
                .isEqualTo(SendResult.Failure.HARD_BOUNCE);

        twilio.resetAll();
        twilio.stubFor(post(urlEqualTo(MESSAGES)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\": 21617, \"message\": \"The concatenated message body exceeds the 1600"
                        + " character limit\", \"status\": 400}")));
        assertThat(((SendResult.Rejected) sender.send(sms("+31612345678", "hi"))).failure())
                .isEqualTo(SendResult.Failure.OTHER);
    }

    @Test
    void anUnreachableTwilioIsARetry() {
        twilio.stop();
        SendResult result = sender.send(sms("+31612345678", "hi"));
        assertThat(result).isInstanceOf(SendResult.Retry.class);
    }

    @Test
    void anEmptyTextIsRejectedWithoutCallingTwilio() {
        SendResult result = sender.send(sms("+31612345678", "  "));
        assertThat(((SendResult.Rejected) result).failure()).isEqualTo(SendResult.Failure.OTHER);
        twilio.verify(0, postRequestedFor(urlEqualTo(MESSAGES)));
    }

    @Test
    void retryAfterParsing() {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        assertThat(TwilioSmsSender.parseRetryAfter("0", clock)).isEqualTo(Duration.ZERO);
        assertThat(TwilioSmsSender.parseRetryAfter(" 30 ", clock)).isEqualTo(Duration.ofSeconds(30));
        assertThat(TwilioSmsSender.parseRetryAfter("-1", clock)).isNull();
        assertThat(TwilioSmsSender.parseRetryAfter("soon", clock)).isNull();
        assertThat(TwilioSmsSender.parseRetryAfter("Sun, 22 Nov 2026 09:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
    }
}
