package io.activation.channels.push;

import com.google.api.client.http.HttpTransport;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.firebase.FirebaseApp;
import com.google.firebase.FirebaseOptions;
import com.google.firebase.IncomingHttpResponse;
import com.google.firebase.messaging.BatchResponse;
import com.google.firebase.messaging.FirebaseMessaging;
import com.google.firebase.messaging.FirebaseMessagingException;
import com.google.firebase.messaging.Message;
import com.google.firebase.messaging.MessagingErrorCode;
import com.google.firebase.messaging.Notification;
import com.google.firebase.messaging.SendResponse;
import io.activation.channels.RetryAfter;
import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import io.activation.delivery.spi.SendResult.Failure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends push notifications through FCM HTTP v1 ({@code POST /v1/projects/{id}/messages:send}) with the Firebase
 * Admin SDK: one message per device token (the recipient's address), sent {@link #maxBatch() 500} at a time with
 * {@link FirebaseMessaging#sendEach}.
 *
 * <p>Outcomes per message: success is accepted (the message name {@code projects/p/messages/id} is the provider
 * id); {@code UNREGISTERED} (404) is rejected as unregistered, and the runtime removes the token; {@code
 * QUOTA_EXCEEDED} (429) is a retry honouring {@code Retry-After}; {@code UNAVAILABLE} (503, which the SDK retries
 * itself first) and {@code INTERNAL} (500) are retries; {@code INVALID_ARGUMENT} naming the token and {@code
 * SENDER_ID_MISMATCH} (a token of another Firebase project) reject the address as invalid; any other refusal (an
 * oversized payload, a bad image URL, APNs credentials) is rejected. A message the SDK refuses to build (a reserved
 * data key) is rejected without a call.
 */
public class FcmPushSender implements ChannelSender, AutoCloseable {

    public static final String CHANNEL = "push";
    static final int MAX_BATCH = 500;

    private static final Logger log = LoggerFactory.getLogger(FcmPushSender.class);
    private static final AtomicInteger APPS = new AtomicInteger();
    private static final Set<String> RESERVED_DATA_KEYS = Set.of("from", "notification",
            "message_type", "collapse_key");

    private final FirebaseApp app;
    private final FirebaseMessaging messaging;
    private final Clock clock;

    /** A sender on FCM over the SDK's default transport. */
    public FcmPushSender(FcmProperties properties, Clock clock) {
        this(properties, null, clock);
    }

    /**
     * A sender whose HTTP calls (OAuth token and FCM) go through {@code transport}, or the SDK's default when null
     * (tests rewrite the hosts to a local stub: both are fixed in the SDK and the service account).
     */
    FcmPushSender(FcmProperties properties, HttpTransport transport, Clock clock) {
        ServiceAccountCredentials credentials;
        try (InputStream in = Files.newInputStream(Path.of(properties.credentialsFile()))) {
            credentials = transport == null ? ServiceAccountCredentials.fromStream(in)
                    : ServiceAccountCredentials.fromStream(in, () -> transport);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the FCM service account " + properties.credentialsFile(), e);
        }
        FirebaseOptions.Builder options = FirebaseOptions.builder()
                .setCredentials(credentials)
                .setProjectId(properties.projectId() != null ? properties.projectId() : credentials.getProjectId());
        if (transport != null) {
            options.setHttpTransport(transport);
        }
        this.app = FirebaseApp.initializeApp(options.build(), "activation-push-" + APPS.incrementAndGet());
        this.messaging = FirebaseMessaging.getInstance(app);
        this.clock = clock;
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public int maxBatch() {
        return MAX_BATCH;
    }

    @Override
    public SendResult send(OutboundMessage message) {
        return sendAll(List.of(message)).get(0);
    }

    @Override
    public List<SendResult> sendAll(List<OutboundMessage> messages) {
        SendResult[] results = new SendResult[messages.size()];
        List<Message> batch = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        prepare(messages, results, batch, positions);
        for (int from = 0; from < batch.size(); from += MAX_BATCH) {
            int to = Math.min(batch.size(), from + MAX_BATCH);
            List<SendResult> sent = sendEach(batch.subList(from, to));
            for (int j = 0; j < sent.size(); j++) {
                results[positions.get(from + j)] = sent.get(j);
            }
        }
        return Arrays.asList(results);
    }

    /**
     * The SDK's {@code sendEach} is its {@code sendEachAsync} waited for: the calls run on the Firebase app's own
     * threads either way, so the asynchronous call only spares the runtime's thread the wait.
     */
    @Override
    public CompletionStage<SendResult> sendAsync(OutboundMessage message) {
        return sendAllAsync(List.of(message)).thenApply(results -> results.get(0));
    }

    @Override
    public CompletionStage<List<SendResult>> sendAllAsync(List<OutboundMessage> messages) {
        SendResult[] results = new SendResult[messages.size()];
        List<Message> batch = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        prepare(messages, results, batch, positions);
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int from = 0; from < batch.size(); from += MAX_BATCH) {
            int start = from;
            List<Message> part = batch.subList(from, Math.min(batch.size(), from + MAX_BATCH));
            calls.add(sendEachAsync(part).thenAccept(sent -> {
                for (int j = 0; j < sent.size(); j++) {
                    results[positions.get(start + j)] = sent.get(j);
                }
            }));
        }
        return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]))
                .thenApply(done -> Arrays.asList(results));
    }

    @Override
    public boolean sendsAsynchronously() {
        return true;
    }

    private static void prepare(List<OutboundMessage> messages, SendResult[] results, List<Message> batch,
            List<Integer> positions) {
        for (int i = 0; i < messages.size(); i++) {
            try {
                batch.add(message(messages.get(i)));
                positions.add(i);
            } catch (IllegalArgumentException e) {
                results[i] = new SendResult.Rejected("not a valid FCM message: " + e.getMessage(), Failure.OTHER);
            }
        }
    }

    private List<SendResult> sendEach(List<Message> batch) {
        try {
            return results(messaging.sendEach(batch));
        } catch (FirebaseMessagingException e) {
            return failed(e, batch.size());
        } catch (RuntimeException e) {
            return failed(e, batch.size());
        }
    }

    /** The batch through the SDK's asynchronous call; every outcome a result, as {@link #sendEach} answers it. */
    private CompletableFuture<List<SendResult>> sendEachAsync(List<Message> batch) {
        CompletableFuture<List<SendResult>> answer = new CompletableFuture<>();
        com.google.api.core.ApiFuture<BatchResponse> call;
        try {
            call = messaging.sendEachAsync(batch);
        } catch (RuntimeException e) {
            answer.complete(failed(e, batch.size()));
            return answer;
        }
        com.google.api.core.ApiFutures.addCallback(call, new com.google.api.core.ApiFutureCallback<>() {
            @Override
            public void onSuccess(BatchResponse response) {
                answer.complete(results(response));
            }

            @Override
            public void onFailure(Throwable t) {
                Throwable cause = t instanceof java.util.concurrent.ExecutionException && t.getCause() != null
                        ? t.getCause() : t;
                if (cause instanceof Error e) {
                    answer.completeExceptionally(e);
                } else {
                    answer.complete(failed(cause, batch.size()));
                }
            }
        }, com.google.common.util.concurrent.MoreExecutors.directExecutor());
        return answer;
    }

    private List<SendResult> results(BatchResponse response) {
        List<SendResult> results = new ArrayList<>(response.getResponses().size());
        for (SendResponse r : response.getResponses()) {
            results.add(r.isSuccessful() ? new SendResult.Accepted(r.getMessageId()) : outcome(r.getException()));
        }
        return results;
    }

    /** The same outcome for every message of a batch the SDK could not send. */
    private List<SendResult> failed(Throwable e, int size) {
        SendResult all;
        if (e instanceof FirebaseMessagingException fme) {
            all = outcome(fme);
        } else {
            log.warn("FCM batch failed", e);
            all = new SendResult.Retry("FCM client error: " + e.getMessage(), null);
        }
        return java.util.Collections.nCopies(size, all);
    }

    /** The FCM message: the token, the notification parts that are present, the data map. */
    static Message message(OutboundMessage m) {
        Content content = m.content();
        String title = content.part(Content.TITLE);
        String body = content.part(Content.BODY);
        String image = content.part(Content.IMAGE);
        if (isBlank(title) && isBlank(body) && content.data().isEmpty()) {
            throw new IllegalArgumentException("the rendered push has no title, body or data");
        }
        Message.Builder builder = Message.builder().setToken(m.recipient().address());
        if (!isBlank(title) || !isBlank(body) || !isBlank(image)) {
            builder.setNotification(Notification.builder().setTitle(blankToNull(title)).setBody(blankToNull(body))
                    .setImage(blankToNull(image)).build());
        }
        if (!content.data().isEmpty()) {
            content.data().keySet().forEach(FcmPushSender::checkDataKey);
            builder.putAllData(content.data());
        }
        return builder.build();
    }

    /** FCM refuses a whole message whose data uses a reserved key; the SDK does not check. */
    static void checkDataKey(String key) {
        if (RESERVED_DATA_KEYS.contains(key) || key.startsWith("google.") || key.startsWith("gcm.")) {
            throw new IllegalArgumentException("data key '" + key + "' is reserved by FCM");
        }
    }

    private SendResult outcome(FirebaseMessagingException e) {
        MessagingErrorCode code = e.getMessagingErrorCode();
        IncomingHttpResponse http = e.getHttpResponse();
        int status = http == null ? 0 : http.getStatusCode();
        String reason = "FCM " + (status == 0 ? "" : status + " ") + (code != null ? code : e.getErrorCode()) + ": "
                + e.getMessage();
        if (code == MessagingErrorCode.UNREGISTERED) {
            return new SendResult.Rejected(reason, Failure.UNREGISTERED);
        }
        if (code == MessagingErrorCode.QUOTA_EXCEEDED || status == 429) {
            return new SendResult.Retry(reason, retryAfter(http));
        }
        if (http == null) {
            // No answer from FCM at all (connection refused, timeout): nothing was accepted, try again.
            return new SendResult.Retry(reason + (e.getCause() == null ? "" : " (" + e.getCause() + ")"), null);
        }
        if (code == MessagingErrorCode.UNAVAILABLE || code == MessagingErrorCode.INTERNAL || status >= 500) {
            return new SendResult.Retry(reason, retryAfter(http));
        }
        if (code == MessagingErrorCode.SENDER_ID_MISMATCH) {
            return new SendResult.Rejected(reason, Failure.INVALID_ADDRESS);
        }
        if (code == MessagingErrorCode.INVALID_ARGUMENT && namesTheToken(e, http)) {
            return new SendResult.Rejected(reason, Failure.INVALID_ADDRESS);
        }
        return new SendResult.Rejected(reason, Failure.OTHER);
    }

    /** FCM names the offending field: {@code message.token} (or says "registration token") for a bad token. */
    private static boolean namesTheToken(FirebaseMessagingException e, IncomingHttpResponse http) {
        String text = ((http == null || http.getContent() == null ? "" : http.getContent()) + " "
                + (e.getMessage() == null ? "" : e.getMessage())).toLowerCase(java.util.Locale.ROOT);
        return text.contains("message.token") || text.contains("registration token");
    }

    private Duration retryAfter(IncomingHttpResponse http) {
        if (http == null || http.getHeaders() == null) {
            return null;
        }
        for (Map.Entry<String, Object> h : http.getHeaders().entrySet()) {
            if ("retry-after".equalsIgnoreCase(h.getKey())) {
                Object v = h.getValue();
                String value = v instanceof List<?> list ? (list.isEmpty() ? null : String.valueOf(list.get(0)))
                        : v == null ? null : String.valueOf(v);
                return parseRetryAfter(value, clock);
            }
        }
        return null;
    }

    static Duration parseRetryAfter(String value, Clock clock) {
        return RetryAfter.parse(value, clock);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static String blankToNull(String s) {
        return isBlank(s) ? null : s;
    }

    /** Releases the SDK's app (its threads). */
    @Override
    public void close() {
        app.delete();
    }
}
