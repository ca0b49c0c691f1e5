package io.activation.api.ingest;

import io.activation.access.Scope;
import io.activation.api.web.BatchItems;
import io.activation.api.contact.ContactRefJson;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.CanonicalJson;
import io.activation.api.web.Idempotency;
import io.activation.api.web.Problems;
import io.activation.api.web.RequiresScope;
import io.activation.contact.ContactRef;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.ingest.IngestProperties;
import io.activation.ingest.Ingestion;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Events", description = "Behavioural events: page_viewed, product_viewed, cart_updated, ...")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/events", produces = MediaType.APPLICATION_JSON_VALUE)
class EventController {

    private static final String ORIGIN = "api";
    private static final Set<String> FIELDS = Set.of("type", "contact", "occurredAt", "properties", "idempotencyKey");

    private final Ingestion ingestion;
    private final Idempotency idempotency;
    private final IngestProperties properties;
    private final TableCatalog catalog;
    private final JsonMapper json;
    private final ObjectReader bodyReader;

    EventController(Ingestion ingestion, Idempotency idempotency, IngestProperties properties, TableCatalog catalog,
            JsonMapper json) {
        this.json = json;
        this.bodyReader = json.readerFor(JsonNode.class);
        this.ingestion = ingestion;
        this.idempotency = idempotency;
        this.properties = properties;
        this.catalog = catalog;
    }

    @Operation(summary = "Record a behavioural event", description = "Body: {\"type\": \"product_viewed\","
            + " \"contact\": {\"externalId\": \"c-1\"} or {\"anonymousId\": \"...\"}, \"occurredAt\":"
            + " \"2026-11-22T10:00:00Z\", \"properties\": {...}}. 202: stored and queued for publication.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = JsonNode.class)))
    @Parameter(in = ParameterIn.HEADER, name = Idempotency.HEADER, required = false,
            schema = @Schema(type = "string"))
    ResponseEntity<?> record(ApiPrincipal principal, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        // Read here rather than by @RequestHeader, whose resolver evaluated the header's name for placeholders and
        // expressions and built a data binder per request (3.5 % of a request's time); the same value: several
        // headers of that name are joined with commas, as the resolver's conversion did.
        String key = header(request, Idempotency.HEADER);
        // The hottest endpoint reads its small body and writes its small answer itself: Spring MVC's converter
        // machinery (negotiation, converter look-ups, header copies) was a quarter of a request's time in the
        // journey benchmark's profile. Same mapper, same errors: an unreadable body is the same
        // HttpMessageNotReadableException the converters throw, so Problems answers it exactly as before.
        JsonNode body = readBody(request);
        Ingestion.EventInput input = input(body, "");
        byte[] fingerprint = fingerprint(key, request, body);
        // Plain JDBC from begin to commit (key, events, outbox): no Hibernate session per request. The contacts'
        // schema is read before it begins, as the catalog may read it through JPA.
        TableSchema contacts = catalog.contacts();
        ResponseEntity<?> answer = idempotency.runJdbc(principal, key, fingerprint, () -> {
            Ingestion.EventResult result = ingestion.recordEvents(List.of(input), ORIGIN, contacts).get(0);
            if (Ingestion.NOT_FOUND.equals(result.errorCode())) {
                throw new NotFoundException(result.errors().get(0).field(), result.errors().get(0).message());
            }
            if (!result.accepted()) {
                throw new InvalidInputException(result.errors());
            }
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(item(result));
        });
        if (answer.getBody() instanceof JsonNode node && answer.getHeaders().isEmpty()) {
            byte[] bytes = json.writeValueAsBytes(node);
            response.setStatus(answer.getStatusCode().value());
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
            return null; // answered: Spring MVC writes nothing more for a null ResponseEntity
        }
        return answer; // a replay (stored JSON text, Idempotent-Replayed header): the converters write it
    }

    private static String header(HttpServletRequest request, String name) {
        Enumeration<String> values = request.getHeaders(name);
        if (values == null || !values.hasMoreElements()) {
            return null;
        }
        String first = values.nextElement();
        if (!values.hasMoreElements()) {
            return first;
        }
        StringBuilder all = new StringBuilder(first);
        while (values.hasMoreElements()) {
            all.append(',').append(values.nextElement());
        }
        return all.toString();
    }

    /** The body as {@code @RequestBody JsonNode} would read it, with the same exceptions for Problems. */
    private JsonNode readBody(HttpServletRequest request) {
        byte[] bytes;
        try {
            bytes = request.getInputStream().readAllBytes();
        } catch (IOException e) { // too large, not UTF-8, or the client went away
            throw new HttpMessageNotReadableException("I/O error while reading input message", e,
                    new ServletServerHttpRequest(request));
        }
        JsonNode body = null;
        if (bytes.length > 0) {
            try {
                body = bodyReader.readValue(bytes);
            } catch (JacksonException e) {
                throw new HttpMessageNotReadableException("JSON parse error: " + e.getOriginalMessage(), e,
                        new ServletServerHttpRequest(request));
            }
        }
        if (body == null || body.isMissingNode()) {
            throw new HttpMessageNotReadableException("Required request body is missing",
                    new ServletServerHttpRequest(request));
        }
        return body;
    }

    @Operation(summary = "Record up to 1,000 events; one result per item")
    @PostMapping(path = "/batch", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> batch(@RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        JsonNode items = BatchItems.items(body, properties.maxBatchItems());
        byte[] fingerprint = fingerprint(key, request, body);
        TableSchema contacts = catalog.contacts();
        return idempotency.runJdbc(principal, key, fingerprint, () -> {
            Map<Integer, ObjectNode> results = idempotency.runItems(principal, items, request.getRequestURI(),
                    indices -> BatchItems.process(items, indices, item -> input(item, ""),
                            inputs -> ingestion.recordEvents(inputs, ORIGIN, contacts),
                            r -> r.accepted() ? item(r) : Problems.itemProblem(Problems.itemStatus(r.errorCode()),
                                    r.errorCode(), r.errors().get(0).field() + ": " + r.errors().get(0).message(),
                                    r.errors())));
            return ResponseEntity.ok(BatchItems.answer(items.size(), results));
        });
    }

    /** Only a request with a key needs its fingerprint; canonicalising a large batch is not free. */
    private static byte[] fingerprint(String key, HttpServletRequest request, JsonNode body) {
        return key == null ? null : CanonicalJson.fingerprint(request.getMethod(), request.getRequestURI(), body);
    }

    private static ObjectNode item(Ingestion.EventResult result) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("status", 202);
        node.put("result", "accepted");
        node.put("eventId", result.eventId().toString());
        node.put("contactId", result.contactId());
        return node;
    }

    static Ingestion.EventInput input(JsonNode body, String path) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException(path.isEmpty() ? "body" : path, "must be a JSON object");
        }
        String prefix = path.isEmpty() ? "" : path + ".";
        for (var field : body.properties()) {
            if (!FIELDS.contains(field.getKey())) {
                throw new InvalidInputException(prefix + field.getKey(), "is not a field of an event: send type,"
                        + " contact, occurredAt and properties");
            }
        }
        JsonNode type = body.get("type");
        if (type == null || !type.isString()) {
            throw new InvalidInputException(prefix + "type", "is required: a string such as product_viewed");
        }
        ContactRef contact = ContactRefJson.parse(body.get("contact"), prefix + "contact");
        if (contact == null) {
            throw new InvalidInputException(prefix + "contact", "is required: {\"externalId\": ...} or"
                    + " {\"anonymousId\": ...}");
        }
        Instant occurredAt = null;
        JsonNode at = body.get("occurredAt");
        if (at != null && !at.isNull()) {
            if (!at.isString()) {
                throw new InvalidInputException(prefix + "occurredAt", "must be an ISO-8601 timestamp string");
            }
            try {
                occurredAt = instant(at.stringValue());
            } catch (DateTimeParseException e) {
                throw new InvalidInputException(prefix + "occurredAt",
                        "must be an ISO-8601 timestamp with offset, e.g. 2026-11-22T10:00:00Z");
            }
        }
        return new Ingestion.EventInput(contact, type.stringValue(), occurredAt, body.get("properties"));
    }

    /**
     * {@code OffsetDateTime.parse(text).toInstant()}. The form trackers send, {@code 2026-11-22T10:00:00Z} with an
     * optional fraction, is read directly (the formatter showed in profiles of the single-event path); anything
     * else, and anything out of range, goes to {@code OffsetDateTime.parse}, which decides and words the error.
     */
    static Instant instant(String text) {
        int n = text.length();
        if (n >= 20 && n <= 30 && text.charAt(n - 1) == 'Z' && text.charAt(4) == '-' && text.charAt(7) == '-'
                && text.charAt(10) == 'T' && text.charAt(13) == ':' && text.charAt(16) == ':') {
            int year = digits(text, 0, 4);
            int month = digits(text, 5, 7);
            int day = digits(text, 8, 10);
            int hour = digits(text, 11, 13);
            int minute = digits(text, 14, 16);
            int second = digits(text, 17, 19);
            int nano = 0;
            boolean ok = year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0;
            if (ok && n > 20) {
                int fraction = n - 21; // between '.' and 'Z'
                ok = text.charAt(19) == '.' && fraction >= 1 && fraction <= 9;
                if (ok) {
                    nano = digits(text, 20, n - 1);
                    ok = nano >= 0;
                    for (int i = fraction; ok && i < 9; i++) {
                        nano *= 10;
                    }
                }
            }
            if (ok) {
                try {
                    return LocalDateTime.of(year, month, day, hour, minute, second, nano).toInstant(ZoneOffset.UTC);
                } catch (DateTimeException e) {
                    // an impossible date or time: the formatter below rejects it with its own message
                }
            }
        }
        return OffsetDateTime.parse(text).toInstant();
    }

    /** The decimal number of {@code text[from, to)}, or -1 when a character is not an ASCII digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
