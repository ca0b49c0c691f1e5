package io.activation.channels.webhook;

import io.activation.channels.RetryAfter;
import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The webhook channel: a signed JSON POST of the message's {@value Content#BODY} part to the one configured
 * endpoint. 2xx is accepted; 429 and 5xx are retried (honouring {@code Retry-After}); timeouts and connection
 * failures are retried; a redirect or any other 4xx is a permanent rejection. Redirects are never followed.
 */
public final class WebhookSender implements ChannelSender {

    public static final String CHANNEL = "webhook";
    public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

    private static final int MAX_ANSWER_BYTES = 2048;

    private final URI url;
    private final String secret;
    private final Duration readTimeout;
    private final Clock clock;
    private final HttpClient http;

    public WebhookSender(WebhookChannelProperties properties, Clock clock) {
        this.url = Objects.requireNonNull(properties.url(), "activation.channels.webhook.url");
        this.secret = properties.secret();
        this.readTimeout = properties.readTimeout();
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                // HTTP/2 only where ALPN negotiates it (https); no h2c upgrade headers towards a plain-http endpoint.
                .version("https".equalsIgnoreCase(url.getScheme()) ? HttpClient.Version.HTTP_2
                        : HttpClient.Version.HTTP_1_1)
                .connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public String fixedAddress() {
        return url.toString();
    }

    @Override
    public SendResult send(OutboundMessage message) {
        String body = message.content().part(Content.BODY);
        if (body == null || body.isBlank()) {
            return new SendResult.Rejected("the message has no body part", SendResult.Failure.OTHER);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(readTimeout)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "Activation-Webhooks/1")
                .header(IDEMPOTENCY_HEADER, message.messageKey())
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (secret != null) {
            request.header(WebhookSignature.HEADER,
                    WebhookSignature.sign(secret, clock.instant().getEpochSecond(), bytes));
        }
        HttpResponse<InputStream> response;
        String answer;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            // Only the start of the answer is read (for the reason of a rejection): a huge answer costs nothing.
            try (InputStream in = response.body()) {
                answer = new String(in.readNBytes(MAX_ANSWER_BYTES), StandardCharsets.UTF_8);
            }
        } catch (HttpConnectTimeoutException e) {
            return new SendResult.Retry("timeout: no connection to the webhook endpoint", null);
        } catch (HttpTimeoutException e) {
            return new SendResult.Retry("timeout: the webhook endpoint did not answer in " + readTimeout, null);
        } catch (ConnectException e) {
            return new SendResult.Retry("connection refused by the webhook endpoint", null);
        } catch (IOException e) {
            return new SendResult.Retry("connection failed: " + e, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SendResult.Retry("interrupted", null);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return new SendResult.Accepted(response.headers().firstValue("X-Request-Id")
                    .orElse(message.messageKey()));
        }
        if (status == 429 || status >= 500) {
            return new SendResult.Retry("HTTP " + status,
                    retryAfter(response.headers().firstValue("Retry-After").orElse(null)));
        }
        if (status >= 300 && status < 400) {
            return new SendResult.Rejected("redirect not followed (HTTP " + status + ")", SendResult.Failure.OTHER);
        }
        return new SendResult.Rejected("HTTP " + status + abbreviated(answer), SendResult.Failure.OTHER);
    }

    /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
    Duration retryAfter(String value) {
        return RetryAfter.parse(value, clock);
    }

    private static String abbreviated(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return ": " + (oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine);
    }
}
