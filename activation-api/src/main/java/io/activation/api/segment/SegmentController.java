package io.activation.api.segment;

import io.activation.access.Scope;
import io.activation.api.segment.SegmentMessage.Type;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.ProblemTypes;
import io.activation.api.web.RequiresScope;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
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
 * Segment's HTTP Tracking API: the write key is the user name of HTTP Basic authentication (any API key with the
 * {@code ingest} scope), bodies are JSON (also when sent as {@code text/plain}, as analytics.js does), the short
 * paths of analytics.js ({@code /v1/t}, {@code /v1/i}, ...) are accepted. Success is {@code 200 {"success": true}};
 * invalid calls are 400 problem details naming the field (Segment answers 400 too), oversized ones 413.
 */
@Tag(name = "Segment tracking", description = "Segment-compatible HTTP Tracking API: identify, track, page, screen,"
        + " group, alias, batch. Point analytics.js, analytics-java or any Segment client here.")
@SecurityRequirement(name = "writeKey")
@RestController
@ConditionalOnRole(Role.API)
class SegmentController {

    private static final String ENCODING = "Content-Encoding";

    private final SegmentTracking tracking;
    private final SegmentProperties properties;
    private final JsonMapper json;

    SegmentController(SegmentTracking tracking, SegmentProperties properties, JsonMapper json) {
        this.tracking = tracking;
        this.properties = properties;
        this.json = json;
    }

    @Operation(summary = "Identify a user", description = "userId and/or anonymousId, traits. Reserved traits (email,"
            + " phone, firstName, lastName, birthday, address.country) and traits named like a custom contact attribute"
            + " update the contact; with both ids the visitor's anonymous history is merged into the user. All traits"
            + " are kept as the properties of an 'identify' event.")
    @PostMapping(path = {"/v1/identify", "/v1/i"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> identify(@RequestBody byte[] body, @RequestHeader(name = ENCODING, required = false)
            String encoding, ApiPrincipal principal) {
        return single(Type.IDENTIFY, body, encoding, principal);
    }

    @Operation(summary = "Track an action", description = "event (required), properties. Recorded as the event type"
            + " snake_case(event), e.g. 'Product Viewed' -> product_viewed; e-commerce events also write the shop's"
            + " tables as configured under activation.segment.mappings.")
    @PostMapping(path = {"/v1/track", "/v1/t"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> track(@RequestBody byte[] body, @RequestHeader(name = ENCODING, required = false)
            String encoding, ApiPrincipal principal) {
        return single(Type.TRACK, body, encoding, principal);
    }

    @Operation(summary = "Record a page view", description = "Recorded as a page_viewed event with name, category,"
            + " properties and the page facts of context.page.")
    @PostMapping(path = {"/v1/page", "/v1/p"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> page(@RequestBody byte[] body, @RequestHeader(name = ENCODING, required = false)
            String encoding, ApiPrincipal principal) {
        return single(Type.PAGE, body, encoding, principal);
    }

    @Operation(summary = "Record a screen view", description = "Recorded as a screen_viewed event.")
    @PostMapping(path = {"/v1/screen", "/v1/s"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> screen(@RequestBody byte[] body, @RequestHeader(name = ENCODING, required = false)
            String encoding, ApiPrincipal principal) {
        return single(Type.SCREEN, body, encoding, principal);
    }

    @Operation(summary = "Associate a user with a group", description = "Recorded as a 'group' event (groupId,"
            + " traits); Activation has no accounts of its own.")
    @PostMapping(path = {"/v1/group", "/v1/g"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> group(@RequestBody byte[] body, @RequestHeader(name = ENCODING, required = false)
            String encoding, ApiPrincipal principal) {
        return single(Type.GROUP, body, encoding, principal);
    }

    @Operation(summary = "Alias an id", description = "Recorded as an 'alias' event (previousId) of the userId's"
            + " contact; identities are merged by identify calls that carry both userId and anonymousId.")
    @PostMapping(path = {"/v1/alias", "/v1/a"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> alias(@RequestBody byte[] body, @RequestHeader(name = ENCODING, required = false)
            String encoding, ApiPrincipal principal) {
        return single(Type.ALIAS, body, encoding, principal);
    }

    @Operation(summary = "Send up to 2,500 calls at once", description = "{\"batch\": [calls with a type], \"context\":"
            + " merged into each call's, \"sentAt\": for calls without one}. At most 500 KB, 32 KB per call. An invalid"
            + " call is refused alone: the answer is still 200, with its problem under 'errors'.")
    @PostMapping(path = {"/v1/batch", "/v1/b", "/v1/import"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> batch(@RequestBody byte[] body, @RequestHeader(name = ENCODING, required = false)
            String encoding, ApiPrincipal principal) {
        byte[] plain = decoded(body, encoding, properties.maxBatchSize().toBytes(),
                "activation.segment.max-batch-size");
        return tracking.batch(principal, read(plain));
    }

    /** Invalid calls are 400 here (as Segment answers them), not 422 as in the REST API. */
    @ExceptionHandler(InvalidInputException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidInputException e) {
        return problem(HttpStatus.BAD_REQUEST, e.code(), "Invalid input", e.getMessage(), e.errors());
    }

    private ResponseEntity<?> single(Type type, byte[] body, String encoding, ApiPrincipal principal) {
        byte[] plain = decoded(body, encoding, properties.maxMessageSize().toBytes(),
                "activation.segment.max-message-size");
        return tracking.single(principal, type, read(plain));
    }

    /**
     * The body as JSON bytes: as sent, or gunzipped when {@code Content-Encoding: gzip} (some Segment clients
     * compress), reading at most {@code max} bytes so a small compressed body cannot expand without bound.
     */
    private static byte[] decoded(byte[] body, String encoding, long max, String property) {
        byte[] plain = body;
        if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
            if (!encoding.trim().equalsIgnoreCase("gzip")) {
                throw new UnreadableBody(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-encoding",
                        "Unsupported encoding", "Content-Encoding '" + encoding + "' is not supported; send the body"
                                + " plain or gzip-compressed");
            }
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                plain = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            } catch (IOException e) {
                throw new UnreadableBody(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed body",
                        "The body is not valid gzip: " + e.getMessage());
            }
            String notUtf8 = io.activation.api.web.Utf8.problem(plain);
            if (notUtf8 != null) {
                throw new UnreadableBody(HttpStatus.BAD_REQUEST, "invalid-encoding", "Invalid encoding", notUtf8);
            }
        }
        if (plain.length > max) {
            throw new UnreadableBody(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large",
                    (plain == body ? "The body has " + body.length + " bytes" : "The body decompresses to more than "
                            + max + " bytes") + "; at most " + max + " are accepted (" + property + ")");
        }
        return plain;
    }

    private JsonNode read(byte[] body) {
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst()
                    .orElse("");
            throw new UnreadableBody(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON",
                    "The body is not valid JSON: " + message);
        }
    }

    @ExceptionHandler(UnreadableBody.class)
    ResponseEntity<ProblemDetail> unreadable(UnreadableBody e) {
        return problem(e.status, e.code, e.title, e.getMessage(), List.of());
    }

    /** The body could not be read as a Segment call: too large, wrongly encoded or not JSON. */
    static final class UnreadableBody extends RuntimeException {
        final HttpStatus status;
        final String code;
        final String title;

        UnreadableBody(HttpStatus status, String code, String title, String detail) {
            super(detail, null, false, false);
            this.status = status;
            this.code = code;
            this.title = title;
        }
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String code, String title, String detail,
            List<FieldError> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(ProblemTypes.of(code));
        problem.setTitle(title);
        if (!errors.isEmpty()) {
            problem.setProperty("field", errors.get(0).field());
            problem.setProperty("errors", errors.stream()
                    .map(err -> Map.of("field", err.field(), "message", err.message())).toList());
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
