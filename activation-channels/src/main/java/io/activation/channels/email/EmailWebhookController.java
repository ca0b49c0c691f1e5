package io.activation.channels.email;

import io.activation.delivery.spi.ProviderFeedback;
import io.activation.delivery.spi.StatusReport;
import io.activation.delivery.spi.StatusReport.Status;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /webhooks/email/events}: bounces and complaints from an e-mail provider (or a relay's hook). The body is
 * a JSON array of {@code {"messageKey"|"messageId", "type": "bounce"|"complaint"|"delivered", "bounceType":
 * "hard"|"soft", "detail", "at"}}; the header {@value #SIGNATURE_HEADER} is {@code sha256=} + the hex HMAC-SHA256 of
 * the raw body with {@code activation.channels.email.webhook-secret}. Outside {@code /api}: no API key, the signature
 * is the authentication. The whole batch is checked before anything is reported: a bad item rejects the request.
 */
@RestController
@ConditionalOnRole(Role.API)
@Conditional(EmailWebhookController.Enabled.class)
public class EmailWebhookController {

    public static final String PATH = "/webhooks/email/events";
    public static final String SIGNATURE_HEADER = "X-Activation-Signature";
    static final int MAX_EVENTS = 1000;
    /** The platform's problem type base (docs/api.md). */
    static final String PROBLEM_BASE = "https://activation.dev/problems/";

    private final byte[] secret;
    private final Supplier<ProviderFeedback> feedback;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();

    @Autowired
    public EmailWebhookController(EmailProperties settings, ObjectProvider<ProviderFeedback> feedback, Clock clock) {
        this(settings.webhookSecret(), feedback::getIfAvailable, clock);
    }

    public EmailWebhookController(String secret, Supplier<ProviderFeedback> feedback, Clock clock) {
        if (secret == null || secret.length() < 16) {
            throw new IllegalStateException("activation.channels.email.webhook-secret must have at least 16 "
                    + "characters");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.feedback = feedback;
        this.clock = clock;
    }

    @PostMapping(path = PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<?> events(@RequestHeader(name = SIGNATURE_HEADER, required = false) String signature,
            @RequestBody(required = false) byte[] body) {
        byte[] raw = body == null ? new byte[0] : body;
        if (signature == null || !MessageDigest.isEqual(
                ("sha256=" + sign(secret, raw)).getBytes(StandardCharsets.US_ASCII),
                signature.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            return problem(HttpStatus.UNAUTHORIZED, "invalid-signature", "Invalid signature",
                    SIGNATURE_HEADER + " is missing or is not the HMAC-SHA256 of the body",
                    List.of(new FieldError(SIGNATURE_HEADER, "missing or wrong signature")));
        }
        List<StatusReport> reports = parse(raw);
        ProviderFeedback receiver = feedback.get();
        if (receiver == null) {
            return problem(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", "Feedback unavailable",
                    "delivery feedback is not running in this process; send the events again later", List.of());
        }
        for (StatusReport report : reports) {
            receiver.status(report);
        }
        return ResponseEntity.accepted().body(Map.of("accepted", reports.size()));
    }

    /**
     * Bad events: an RFC 9457 problem naming every wrong field, shaped like the API's (this controller is outside
     * {@code io.activation.api}, which the API's problem advice covers).
     */
    @ExceptionHandler(InvalidInputException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidInputException e) {
        return problem(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-input", "Invalid input", e.getMessage(),
                e.errors());
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String code, String title, String detail,
            List<FieldError> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(PROBLEM_BASE + code));
        problem.setTitle(title);
        if (!errors.isEmpty()) {
            problem.setProperty("field", errors.get(0).field());
            problem.setProperty("errors", errors.stream()
                    .map(err -> Map.of("field", err.field(), "message", err.message())).toList());
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    /** The signature value of a body: lower-case hex HMAC-SHA256 (without the {@code sha256=} prefix). */
    public static String sign(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** On when the e-mail channel is configured ({@code spring.mail.host}) and a webhook secret is set. */
    static final class Enabled implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String host = context.getEnvironment().getProperty("spring.mail.host", "");
            boolean enabled = context.getEnvironment().getProperty("activation.channels.email.enabled",
                    Boolean.class, true);
            String secret = context.getEnvironment().getProperty("activation.channels.email.webhook-secret", "");
            return enabled && !host.isBlank() && !secret.isBlank();
        }
    }

    private List<StatusReport> parse(byte[] raw) {
        JsonNode root;
        try {
            root = json.readTree(raw);
        } catch (JacksonException e) {
            throw new InvalidInputException("", "the body is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray()) {
            throw new InvalidInputException("", "the body must be a JSON array of events");
        }
        if (root.isEmpty() || root.size() > MAX_EVENTS) {
            throw new InvalidInputException("", "between 1 and " + MAX_EVENTS + " events");
        }
        List<FieldError> errors = new ArrayList<>();
        List<StatusReport> reports = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode e = root.get(i);
            String at = "[" + i + "]";
            if (!e.isObject()) {
                errors.add(new FieldError(at, "an event is an object"));
                continue;
            }
            String messageKey = text(e, "messageKey");
            String messageId = text(e, "messageId");
            if (messageKey == null && messageId != null) {
                messageKey = MessageIds.keyOf(messageId);
            }
            if (messageKey == null && messageId == null) {
                errors.add(new FieldError(at + ".messageKey", "messageKey or messageId is required"));
            }
            String type = text(e, "type");
            Status status = null;
            if (type == null) {
                errors.add(new FieldError(at + ".type", "required: bounce, complaint or delivered"));
            } else {
                switch (type.toLowerCase(Locale.ROOT)) {
                    case "complaint" -> status = Status.COMPLAINT;
                    case "delivered" -> status = Status.DELIVERED;
                    case "bounce" -> {
                        String bounceType = text(e, "bounceType");
                        if (bounceType == null || bounceType.equalsIgnoreCase("hard")) {
                            status = Status.HARD_BOUNCE;
                        } else if (bounceType.equalsIgnoreCase("soft")) {
                            status = Status.SOFT_BOUNCE;
                        } else {
                            errors.add(new FieldError(at + ".bounceType", "hard or soft"));
                        }
                    }
                    default -> errors.add(new FieldError(at + ".type", "bounce, complaint or delivered, not "
                            + type));
                }
            }
            Instant when = clock.instant();
            String atText = text(e, "at");
            if (atText != null) {
                try {
                    when = Instant.parse(atText);
                } catch (DateTimeParseException ex) {
                    errors.add(new FieldError(at + ".at", "an ISO-8601 instant such as 2026-11-22T10:15:30Z"));
                }
            }
            String detail = text(e, "detail");
            if (detail != null && detail.length() > 2000) {
                errors.add(new FieldError(at + ".detail", "at most 2000 characters"));
            }
            if (status != null && (messageKey != null || messageId != null)) {
                reports.add(new StatusReport(SmtpSender.CHANNEL, messageKey,
                        messageId == null ? null : MessageIds.bare(messageId), status,
                        detail == null ? "provider webhook: " + type : detail, when));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return reports;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        String s = v.asString();
        return s == null || s.isBlank() ? null : s.trim();
    }
}
