package io.activation.channels.sms;

import com.twilio.exception.ApiConnectionException;
import com.twilio.exception.ApiException;
import com.twilio.exception.TwilioException;
import com.twilio.http.NetworkHttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;
import io.activation.channels.RetryAfter;
import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import io.activation.delivery.spi.SendResult.Failure;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends SMS through a Twilio Messaging Service ({@code POST /2010-04-01/Accounts/{sid}/Messages.json} with
 * {@code To}, {@code MessagingServiceSid}, {@code Body} and a {@code StatusCallback} that carries our message key).
 *
 * <p>Outcomes: 201 is accepted (the message SID is the provider id); 429 is a retry honouring {@code Retry-After};
 * 5xx (after the SDK's own three quick attempts) and connection failures are retries; 401 (wrong credentials) is a
 * retry too, so fixing the settings resumes sending instead of failing every message; error 21211 (invalid
 * {@code To}) rejects the address as invalid, 21614 (not a mobile number) as a hard bounce, 21610 (the recipient
 * replied STOP) as opted out; any other 4xx is rejected.
 */
public class TwilioSmsSender implements ChannelSender {

    public static final String CHANNEL = "sms";
    /** Where status callbacks arrive, below the public base URL. */
    public static final String STATUS_PATH = "/webhooks/twilio/status";
    /** Where inbound messages arrive (configure it as the Messaging Service's incoming webhook). */
    public static final String INBOUND_PATH = "/webhooks/twilio/inbound";
    /** The status callback's query parameter naming our message key. */
    public static final String MESSAGE_KEY_PARAMETER = "messageKey";

    static final int INVALID_TO = 21211;
    static final int UNSUBSCRIBED = 21610;
    static final int NOT_MOBILE = 21614;

    private static final Logger log = LoggerFactory.getLogger(TwilioSmsSender.class);

    private final TwilioProperties properties;
    private final TwilioRestClient client;
    private final Clock clock;

    /** A sender on Twilio's API over the SDK's default HTTP client. */
    public TwilioSmsSender(TwilioProperties properties, Clock clock) {
        this(properties, HttpClientBuilder.create(), clock);
    }

    /**
     * A sender whose HTTP client is built from {@code http} (tests route it to a local stub: Twilio's host is fixed
     * in the SDK). Apache HttpClient's own retries are switched off: it would sleep out a 429's
     * {@code Retry-After} on the consumer's thread and resend a POST; the runtime schedules the retry instead.
     */
    TwilioSmsSender(TwilioProperties properties, HttpClientBuilder http, Clock clock) {
        this.properties = properties;
        this.client = new TwilioRestClient.Builder(properties.accountSid(), properties.authToken())
                .httpClient(new ResponseKeepingHttpClient(http.disableAutomaticRetries())).build();
        this.clock = clock;
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public SendResult send(OutboundMessage message) {
        String body = message.content().part(Content.TEXT);
        if (body == null || body.isBlank()) {
            return new SendResult.Rejected("the rendered SMS has no text", Failure.OTHER);
        }
        ResponseKeepingHttpClient.LAST.remove();
        try {
            Message sent = Message.creator(new PhoneNumber(message.recipient().address()),
                            properties.messagingServiceSid(), body)
                    .setStatusCallback(statusCallback(message.messageKey()))
                    .create(client);
            return new SendResult.Accepted(sent.getSid());
        } catch (ApiException e) {
            return outcome(e);
        } catch (ApiConnectionException e) {
            // Connection refused or timed out. A read timeout may follow Twilio's acceptance; Twilio's Messages API
            // takes no idempotency key, so the runtime's ledger (claim before the call) is what bounds a duplicate.
            return new SendResult.Retry("Twilio unreachable: " + e.getMessage(), null);
        } catch (TwilioException e) {
            return new SendResult.Retry("Twilio client error: " + e.getMessage(), null);
        } finally {
            ResponseKeepingHttpClient.LAST.remove();
        }
    }

    /** The status callback URL of a message: the public base, the status path and our message key. */
    public URI statusCallback(String messageKey) {
        return URI.create(properties.statusCallbackBaseUrl() + STATUS_PATH + "?" + MESSAGE_KEY_PARAMETER + "="
                + URLEncoder.encode(messageKey, StandardCharsets.UTF_8));
    }

    private SendResult outcome(ApiException e) {
        Integer status = e.getStatusCode();
        Integer code = e.getCode();
        String reason = "Twilio " + (status == null ? "" : status + " ") + (code == null ? "" : "error " + code + ": ")
                + e.getMessage();
        if (code != null) {
            switch (code) {
                case INVALID_TO -> {
                    return new SendResult.Rejected(reason, Failure.INVALID_ADDRESS);
                }
                case NOT_MOBILE -> {
                    return new SendResult.Rejected(reason, Failure.HARD_BOUNCE);
                }
                case UNSUBSCRIBED -> {
                    return new SendResult.Rejected(reason, Failure.OPTED_OUT);
                }
                default -> {
                }
            }
        }
        if (status == null) {
            return new SendResult.Retry(reason, null);
        }
        if (status == 429) {
            return new SendResult.Retry(reason, retryAfter());
        }
        if (status >= 500 || status == 401) {
            log.warn("{}", reason);
            return new SendResult.Retry(reason, status == 401 ? null : retryAfter());
        }
        return new SendResult.Rejected(reason, Failure.OTHER);
    }

    /** The last response's {@code Retry-After} (seconds or an HTTP date), or null. */
    private Duration retryAfter() {
        Response last = ResponseKeepingHttpClient.LAST.get();
        if (last == null || last.getHeaders() == null) {
            return null;
        }
        for (Header h : last.getHeaders()) {
            if ("Retry-After".equalsIgnoreCase(h.getName())) {
                return parseRetryAfter(h.getValue(), clock);
            }
        }
        return null;
    }

    static Duration parseRetryAfter(String value, Clock clock) {
        return RetryAfter.parse(value, clock);
    }

    /**
     * The SDK's client, keeping each thread's last response: the SDK turns a 429 into an exception without its
     * headers, and {@code Retry-After} is among them. Per thread, as senders share one client across consumers.
     */
    static final class ResponseKeepingHttpClient extends NetworkHttpClient {

        static final ThreadLocal<Response> LAST = new ThreadLocal<>();

        ResponseKeepingHttpClient(HttpClientBuilder builder) {
            super(builder);
        }

        @Override
        public Response makeRequest(Request request) {
            Response response = super.makeRequest(request);
            LAST.set(response);
            return response;
        }
    }
}
