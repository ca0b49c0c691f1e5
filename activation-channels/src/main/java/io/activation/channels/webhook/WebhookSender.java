package io.activation.channels.webhook;

import io.activation.channels.RetryAfter;
import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

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
        try {
            return answer(http.send(request(message, body), response -> new FirstBytes()), message);
        } catch (IOException e) {
            return failure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SendResult.Retry("interrupted", null);
        }
    }

    /** The same POST and the same reading of the answer as {@link #send}, without a thread waiting for it. */
    @Override
    public CompletionStage<SendResult> sendAsync(OutboundMessage message) {
        String body = message.content().part(Content.BODY);
        if (body == null || body.isBlank()) {
            return CompletableFuture.completedFuture(new SendResult.Rejected("the message has no body part",
                    SendResult.Failure.OTHER));
        }
        return http.sendAsync(request(message, body), response -> new FirstBytes()).handle((response, error) -> {
            if (error == null) {
                return answer(response, message);
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof IOException io) {
                return failure(io);
            }
            // Not a transport failure: the outcome is unknown, as when send throws.
            throw error instanceof CompletionException c ? c : new CompletionException(cause);
        });
    }

    @Override
    public boolean sendsAsynchronously() {
        return true;
    }

    private HttpRequest request(OutboundMessage message, String body) {
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
        return request.build();
    }

    private SendResult failure(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return new SendResult.Retry("timeout: no connection to the webhook endpoint", null);
        }
        if (e instanceof HttpTimeoutException) {
            return new SendResult.Retry("timeout: the webhook endpoint did not answer in " + readTimeout, null);
        }
        if (e instanceof ConnectException) {
            return new SendResult.Retry("connection refused by the webhook endpoint", null);
        }
        return new SendResult.Retry("connection failed: " + e, null);
    }

    private SendResult answer(HttpResponse<String> response, OutboundMessage message) {
        String answer = response.body();
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

    /**
     * Only the start of the answer is kept (for the reason of a rejection): the rest of a huge answer is not read,
     * the exchange is cancelled once {@value #MAX_ANSWER_BYTES} bytes are in.
     */
    private static final class FirstBytes implements HttpResponse.BodySubscriber<String> {
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                int n = Math.min(b.remaining(), MAX_ANSWER_BYTES - bytes.size());
                if (n > 0) {
                    byte[] part = new byte[n];
                    b.get(part);
                    bytes.write(part, 0, n);
                }
            }
            if (bytes.size() >= MAX_ANSWER_BYTES && !result.isDone()) {
                subscription.cancel();
                result.complete(bytes.toString(StandardCharsets.UTF_8));
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toString(StandardCharsets.UTF_8));
        }
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
