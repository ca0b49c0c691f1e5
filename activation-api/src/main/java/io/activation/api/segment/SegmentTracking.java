package io.activation.api.segment;

import io.activation.api.segment.MessagePlanner.PlannedMessage;
import io.activation.api.segment.SegmentMessage.Type;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.Idempotency;
import io.activation.api.web.Problems;
import io.activation.platform.ActivationException;
import io.activation.platform.ConflictException;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The application service of the tracking API: checks calls, deduplicates them by {@code messageId} (an idempotency
 * key per API key, claimed in the transaction of the write) and writes them.
 *
 * <p>A batch is written in one transaction. Checks run before it starts, so an invalid call is refused alone; if
 * the core still refuses a call (or a write fails) the transaction is rolled back and the calls are written again
 * one transaction each, so that only the failing call is refused and every call stays all-or-nothing.
 */
@Service
class SegmentTracking {

    private static final Logger log = LoggerFactory.getLogger(SegmentTracking.class);
    private static final String KEY_REUSED = "idempotency-key-reused";

    private final MessagePlanner planner;
    private final MessageWriter writer;
    private final Idempotency idempotency;
    private final TransactionTemplate transactions;
    private final SegmentProperties properties;
    private final JsonMapper json;
    private final Clock clock;

    SegmentTracking(MessagePlanner planner, MessageWriter writer, Idempotency idempotency,
            TransactionTemplate transactions, SegmentProperties properties, JsonMapper json, Clock clock) {
        this.planner = planner;
        this.writer = writer;
        this.idempotency = idempotency;
        this.transactions = transactions;
        this.properties = properties;
        this.json = json;
        this.clock = clock;
    }

    /**
     * One call. 200 {@code {"success": true}} (with {@code warnings} when mapped rows lost values); an invalid call
     * is an {@link InvalidInputException}; a messageId already used for another message a 409 conflict.
     */
    ResponseEntity<?> single(ApiPrincipal principal, Type type, JsonNode body) {
        PlannedMessage planned = planner.plan(0, body, type, SegmentMessage.Envelope.NONE, clock.instant(), "");
        SegmentMessage message = planned.message();
        try {
            return idempotency.run(principal, idempotencyKey(message), message.fingerprint(), () -> {
                ObjectNode result = writer.write(List.of(planned)).get(0);
                ObjectNode answer = success();
                if (result.has("warnings")) {
                    answer.set("warnings", result.get("warnings"));
                }
                return ResponseEntity.ok(answer);
            });
        } catch (ConflictException e) {
            if (KEY_REUSED.equals(e.code())) {
                throw new ConflictException(KEY_REUSED, "messageId", "The messageId '" + message.messageId()
                        + "' was already used for a different message; a retry must resend the same message");
            }
            throw e;
        } catch (MessageWriter.MessageRefused e) {
            throw new InvalidInputException(e.errors);
        }
    }

    /**
     * A batch: 200 {@code {"success": true, "accepted": n, "rejected": m, "replayed": k, "errors": [...],
     * "warnings": [...]}}, as Segment answers 200 when some calls of a batch are refused. Each error holds the
     * call's index, messageId and problem; only an unreadable batch as a whole is an exception.
     */
    ResponseEntity<?> batch(ApiPrincipal principal, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object with a 'batch' array");
        }
        JsonNode batch = body.get("batch");
        if (batch == null || !batch.isArray()) {
            throw new InvalidInputException("batch", "is required: an array of Segment calls");
        }
        if (batch.isEmpty()) {
            throw new InvalidInputException("batch", "must not be empty");
        }
        List<FieldError> errors = new ArrayList<>();
        JsonNode context = body.get("context");
        if (context != null && !context.isNull() && !context.isObject()) {
            errors.add(new FieldError("context", "must be an object"));
        }
        Instant sentAt = SegmentMessage.instant(body.get("sentAt"), "sentAt", errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        SegmentMessage.Envelope envelope = new SegmentMessage.Envelope(
                context instanceof ObjectNode object ? object : null, sentAt);
        Map<Integer, ObjectNode> results = new HashMap<>();
        List<PlannedMessage> planned = plan(batch, envelope, results);
        // A messageId twice in one batch: the same message is written once, another one is a conflict.
        Map<String, PlannedMessage> firstWithKey = new HashMap<>();
        Map<Integer, Integer> duplicateOf = new HashMap<>();
        List<PlannedMessage> toWrite = new ArrayList<>();
        for (PlannedMessage p : planned) {
            String key = p.message().messageId();
            PlannedMessage first = key == null ? null : firstWithKey.putIfAbsent(key, p);
            if (first == null) {
                toWrite.add(p);
            } else if (Arrays.equals(first.message().fingerprint(), p.message().fingerprint())) {
                duplicateOf.put(p.index(), first.index());
            } else {
                results.put(p.index(), Problems.itemProblem(new ConflictException(KEY_REUSED,
                        "batch[" + p.index() + "].messageId", "The messageId '" + key + "' is used by another"
                        + " message of this batch (batch[" + first.index() + "])")));
            }
        }
        results.putAll(write(principal, toWrite));
        duplicateOf.forEach((i, first) -> results.put(i, results.get(first).deepCopy().put("duplicateOf", first)));
        return ResponseEntity.ok(answer(batch.size(), results, batch));
    }

    /** Plans the calls of a batch; the refused ones get their problem in {@code refused}. */
    private List<PlannedMessage> plan(JsonNode batch, SegmentMessage.Envelope envelope,
            Map<Integer, ObjectNode> refused) {
        Instant receivedAt = clock.instant();
        long maxBytes = properties.maxMessageSize().toBytes();
        List<PlannedMessage> planned = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            JsonNode item = batch.get(i);
            String field = "batch[" + i + "]";
            if (i >= properties.maxBatchMessages()) {
                refused.put(i, Problems.itemProblem(400, "limit-exceeded", "A batch holds at most "
                        + properties.maxBatchMessages() + " calls; this one was not read", List.of(new FieldError(
                                field, "is beyond the limit of " + properties.maxBatchMessages() + " calls"))));
                continue;
            }
            long bytes = json.writeValueAsBytes(item).length;
            if (bytes > maxBytes) {
                refused.put(i, Problems.itemProblem(413, "payload-too-large", "The call has " + bytes
                        + " bytes; at most " + maxBytes + " are accepted per call"
                        + " (activation.segment.max-message-size)",
                        List.of(new FieldError(field, "is larger than " + maxBytes + " bytes"))));
                continue;
            }
            try {
                planned.add(planner.plan(i, item, null, envelope, receivedAt, field + "."));
            } catch (InvalidInputException e) {
                refused.put(i, Problems.itemProblem(400, e.code(), e.getMessage(), e.errors()));
            }
        }
        return planned;
    }

    /** All calls in one transaction; when the core refuses one, each call in its own. */
    private Map<Integer, ObjectNode> write(ApiPrincipal principal, List<PlannedMessage> messages) {
        if (messages.isEmpty()) {
            return Map.of();
        }
        try {
            return transactions.execute(status -> claimAndWrite(principal, messages));
        } catch (MessageWriter.MessageRefused | ActivationException | DataIntegrityViolationException e) {
            log.info("A call of a Segment batch was refused after its checks ({}); writing the {} calls one by one",
                    e.getMessage(), messages.size());
        }
        Map<Integer, ObjectNode> results = new HashMap<>();
        for (PlannedMessage message : messages) {
            String prefix = "batch[" + message.index() + "].";
            try {
                results.putAll(transactions.execute(status -> claimAndWrite(principal, List.of(message))));
            } catch (MessageWriter.MessageRefused e) {
                results.put(message.index(), Problems.itemProblem(400, e.code, prefix + e.getMessage(),
                        e.errors.stream().map(error -> new FieldError(prefix + error.field(), error.message()))
                                .toList()));
            } catch (ActivationException e) {
                results.put(message.index(), Problems.itemProblem(e));
            } catch (DataIntegrityViolationException e) {
                log.warn("A Segment call conflicts with stored data", e);
                results.put(message.index(), Problems.itemProblem(409, "conflict", "The call conflicts with"
                        + " stored data", List.of()));
            }
        }
        return results;
    }

    /** In the caller's transaction: claims the messageIds, writes the calls not seen before, stores their answers. */
    private Map<Integer, ObjectNode> claimAndWrite(ApiPrincipal principal, List<PlannedMessage> messages) {
        List<String> keys = messages.stream().map(p -> idempotencyKey(p.message())).toList();
        List<byte[]> fingerprints = messages.stream().map(p -> p.message().fingerprint()).toList();
        Map<Integer, ObjectNode> byPosition = idempotency.runItems(principal, keys, fingerprints, positions -> {
            Map<Integer, ObjectNode> written = writer.write(positions.stream().map(messages::get).toList());
            Map<Integer, ObjectNode> out = new HashMap<>();
            for (int position : positions) {
                out.put(position, written.get(messages.get(position).index()));
            }
            return out;
        });
        Map<Integer, ObjectNode> results = new HashMap<>();
        byPosition.forEach((position, result) -> {
            int index = messages.get(position).index();
            if (result.path("problem").path("type").asString("").endsWith("/" + KEY_REUSED)) {
                result = Problems.itemProblem(new ConflictException(KEY_REUSED, "batch[" + index + "].messageId",
                        "The messageId '" + messages.get(position).message().messageId() + "' was already used for a different message; a"
                                + " retry must resend the same message"));
            }
            results.put(index, result);
        });
        return results;
    }

    /**
     * messageIds share the idempotency keys of the API key with the REST API's Idempotency-Key header; the prefix
     * keeps the two apart.
     */
    private static String idempotencyKey(SegmentMessage message) {
        return message.messageId() == null ? null : SegmentMessage.KEY_PREFIX + message.messageId();
    }

    private static ObjectNode answer(int size, Map<Integer, ObjectNode> results, JsonNode batch) {
        ObjectNode answer = success();
        ArrayNode errors = JsonNodeFactory.instance.arrayNode();
        ArrayNode warnings = JsonNodeFactory.instance.arrayNode();
        int accepted = 0;
        int replayed = 0;
        for (int i = 0; i < size; i++) {
            ObjectNode result = results.get(i);
            if (result.path("status").asInt() < 400) {
                accepted++;
                if (result.path("replayed").asBoolean(false) || result.has("duplicateOf")) {
                    replayed++;
                }
                String prefix = "batch[" + i + "].";
                for (JsonNode warning : result.path("warnings")) {
                    String field = warning.path("field").asString();
                    warnings.addObject().put("index", i)
                            .put("field", field.startsWith("batch[") ? field : prefix + field)
                            .put("message", warning.path("message").asString());
                }
            } else {
                ObjectNode error = errors.addObject();
                error.put("index", i);
                JsonNode messageId = batch.get(i).path("messageId");
                if (messageId.isString()) {
                    error.put("messageId", messageId.stringValue());
                }
                error.put("status", result.path("status").asInt());
                error.set("problem", result.path("problem"));
            }
        }
        answer.put("accepted", accepted);
        answer.put("rejected", size - accepted);
        answer.put("replayed", replayed);
        answer.set("errors", errors);
        answer.set("warnings", warnings);
        return answer;
    }

    private static ObjectNode success() {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("success", true);
        return answer;
    }
}
