package io.activation.api.web;

import io.activation.platform.ActivationException;
import io.activation.platform.ConflictException;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.LimitExceededException;
import io.activation.platform.NotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns every error into an RFC 9457 problem detail with a stable {@code type}, a {@code detail} in words, and
 * {@code errors}: one {@code {field, message}} per wrong input field (the first also as {@code field}).
 */
@RestControllerAdvice(basePackages = "io.activation.api")
@Order(Ordered.LOWEST_PRECEDENCE - 1)
public class Problems extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(Problems.class);

    @ExceptionHandler(InvalidInputException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidInputException e) {
        return respond(problem(HttpStatus.UNPROCESSABLE_CONTENT, e.code(), "Invalid input", e.getMessage(), e.errors()));
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<ProblemDetail> notFound(NotFoundException e) {
        return respond(problem(HttpStatus.NOT_FOUND, e.code(), "Not found", e.getMessage(), fieldErrors(e.field(),
                e.getMessage())));
    }

    @ExceptionHandler(ConflictException.class)
    ResponseEntity<ProblemDetail> conflict(ConflictException e) {
        return respond(problem(HttpStatus.CONFLICT, e.code(), "Conflict", e.getMessage(), fieldErrors(e.field(),
                e.getMessage())));
    }

    @ExceptionHandler(LimitExceededException.class)
    ResponseEntity<ProblemDetail> limit(LimitExceededException e) {
        ProblemDetail problem = problem(HttpStatus.UNPROCESSABLE_CONTENT, e.code(), "Limit exceeded", e.getMessage(),
                fieldErrors(e.field(), e.getMessage()));
        problem.setProperty("limit", e.limit());
        return respond(problem);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        String message = "must be a valid " + (e.getRequiredType() == null ? "value"
                : e.getRequiredType().getSimpleName().toLowerCase());
        return respond(problem(HttpStatus.BAD_REQUEST, "invalid-input", "Invalid parameter", e.getName() + " "
                + message, fieldErrors(e.getName(), message)));
    }

    @ExceptionHandler(MissingRequestHeaderException.class)
    ResponseEntity<ProblemDetail> missingHeader(MissingRequestHeaderException e) {
        return respond(problem(HttpStatus.BAD_REQUEST, "invalid-input", "Missing header",
                "The header " + e.getHeaderName() + " is required", fieldErrors(e.getHeaderName(), "is required")));
    }

    @ExceptionHandler(org.springframework.dao.DataIntegrityViolationException.class)
    ResponseEntity<ProblemDetail> integrity(org.springframework.dao.DataIntegrityViolationException e) {
        log.warn("Data integrity violation", e);
        return respond(problem(HttpStatus.CONFLICT, "conflict", "Conflict",
                "The change conflicts with stored data: " + rootMessage(e), List.of()));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        Throwable cause = e.getCause();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BodySizeLimitFilter.BodyTooLargeException tooLarge) {
                return body(problem(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large",
                        tooLarge.getMessage() + " (activation.ingest.max-body-size)", List.of()));
            }
            if (t instanceof Utf8BodyFilter.InvalidUtf8Exception invalid) {
                return body(problem(HttpStatus.BAD_REQUEST, "invalid-encoding", "Invalid encoding",
                        invalid.getMessage(), List.of()));
            }
        }
        if (cause instanceof JacksonException jackson) {
            String message = jackson.getOriginalMessage();
            if (message != null && (message.contains("Invalid UTF-8") || message.contains("UTF-8"))) {
                return body(problem(HttpStatus.BAD_REQUEST, "invalid-encoding", "Invalid encoding",
                        "The body is not valid UTF-8: " + firstLine(message), List.of()));
            }
            if (cause instanceof DatabindException databind && !databind.getPath().isEmpty()) {
                String field = path(databind);
                String detail = "has the wrong type or shape: " + firstLine(message);
                return body(problem(HttpStatus.BAD_REQUEST, "invalid-input", "Invalid input", field + " " + detail,
                        fieldErrors(field, detail)));
            }
            return body(problem(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON",
                    "The body is not valid JSON: " + firstLine(message), List.of()));
        }
        return body(problem(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed request body",
                cause == null ? "A JSON body is required" : "The body could not be read: " + firstLine(
                        cause.getMessage()), List.of()));
    }

    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(
            org.springframework.web.multipart.MaxUploadSizeExceededException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        return body(problem(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large",
                "The upload is larger than " + (e.getMaxUploadSize() < 0 ? "allowed" : e.getMaxUploadSize() + " bytes")
                        + " (activation.imports.max-file-size)", fieldErrors("file", "is too large")));
    }

    @ExceptionHandler(org.springframework.web.multipart.MultipartException.class)
    ResponseEntity<ProblemDetail> multipart(org.springframework.web.multipart.MultipartException e) {
        return respond(problem(HttpStatus.BAD_REQUEST, "invalid-input", "Malformed multipart body",
                "The multipart/form-data body could not be read: " + rootMessage(e), List.of()));
    }

    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<ProblemDetail> unexpected(RuntimeException e) {
        if (e instanceof ActivationException a) {
            return respond(problem(HttpStatus.BAD_REQUEST, a.code(), "Bad request", a.getMessage(), List.of()));
        }
        log.error("Unexpected error", e);
        return respond(problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error",
                "Something went wrong on our side; nothing was changed", List.of()));
    }

    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode statusCode,
            WebRequest request) {
        stampType(body, statusCode);
        return super.createResponseEntity(body, headers, statusCode, request);
    }

    /** Gives Spring MVC's own problems (type {@code about:blank}) a stable type of this API. */
    static void stampType(Object body, HttpStatusCode status) {
        if (body instanceof ProblemDetail problem
                && (problem.getType() == null || "about:blank".equals(problem.getType().toString()))) {
            String code = switch (status.value()) {
                case 400 -> "invalid-input";
                case 404 -> "not-found";
                case 405 -> "method-not-allowed";
                case 406 -> "not-acceptable";
                case 413 -> "payload-too-large";
                case 415 -> "unsupported-media-type";
                case 503 -> "unavailable";
                default -> status.is5xxServerError() ? "internal" : "request-refused";
            };
            problem.setType(ProblemTypes.of(code));
        }
    }

    /** The HTTP-like status of a batch item rejected with that error code. */
    public static int itemStatus(String code) {
        return "not-found".equals(code) ? 404 : 422;
    }

    /** The problem of one rejected batch item, as an object inside the batch answer. */
    public static ObjectNode itemProblem(ActivationException e) {
        int status = e instanceof NotFoundException ? 404 : e instanceof ConflictException ? 409 : 422;
        List<FieldError> errors = e instanceof InvalidInputException invalid ? invalid.errors()
                : fieldErrors(e instanceof NotFoundException nf ? nf.field()
                        : e instanceof ConflictException c ? c.field()
                        : e instanceof LimitExceededException l ? l.field() : null, e.getMessage());
        return itemProblem(status, e.code(), e.getMessage(), errors);
    }

    /** A rejected batch item: its status and a problem object with the field errors. */
    public static ObjectNode itemProblem(int status, String code, String detail, List<FieldError> errors) {
        ObjectNode item = JsonNodeFactory.instance.objectNode();
        item.put("status", status);
        item.put("result", "rejected");
        ObjectNode problem = item.putObject("problem");
        problem.put("type", ProblemTypes.of(code).toString());
        problem.put("title", HttpStatus.valueOf(status).getReasonPhrase());
        problem.put("status", status);
        problem.put("detail", detail);
        if (!errors.isEmpty()) {
            problem.put("field", errors.get(0).field());
            var array = problem.putArray("errors");
            errors.forEach(err -> array.addObject().put("field", err.field()).put("message", err.message()));
        }
        return item;
    }

    static ProblemDetail problem(HttpStatus status, String code, String title, String detail,
            List<FieldError> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(ProblemTypes.of(code));
        problem.setTitle(title);
        if (!errors.isEmpty()) {
            problem.setProperty("field", errors.get(0).field());
            problem.setProperty("errors", errors.stream()
                    .map(err -> Map.of("field", err.field(), "message", err.message())).toList());
        }
        return problem;
    }

    private static List<FieldError> fieldErrors(String field, String message) {
        return field == null ? List.of() : List.of(new FieldError(field, message));
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus()).contentType(
                org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    private static ResponseEntity<Object> body(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus()).contentType(
                org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    private static String path(DatabindException e) {
        StringBuilder out = new StringBuilder();
        List<tools.jackson.core.JacksonException.Reference> refs = new ArrayList<>(e.getPath());
        for (var ref : refs) {
            if (ref.getPropertyName() != null) {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return firstLine(t.getMessage());
    }
}
