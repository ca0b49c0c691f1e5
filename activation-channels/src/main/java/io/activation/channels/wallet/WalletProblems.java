package io.activation.channels.wallet;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * RFC 9457 problems for the PassKit web service, in the API's shape (same {@code type} URIs, {@code field},
 * {@code errors}): the API module's advice covers only {@code io.activation.api} and the channels cannot use it.
 */
@RestControllerAdvice(assignableTypes = WalletWebService.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
public class WalletProblems {

    static final String TYPE_BASE = "https://activation.dev/problems/";

    @ExceptionHandler(InvalidInputException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidInputException e) {
        return respond(problem(HttpStatus.UNPROCESSABLE_CONTENT, e.code(), "Invalid input", e.getMessage(),
                e.errors()));
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<ProblemDetail> notFound(NotFoundException e) {
        return respond(problem(HttpStatus.NOT_FOUND, e.code(), "Not found", e.getMessage(),
                e.field() == null ? List.of() : List.of(new FieldError(e.field(), e.getMessage()))));
    }

    private static ProblemDetail problem(HttpStatus status, String code, String title, String detail,
            List<FieldError> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_BASE + code));
        problem.setTitle(title);
        if (!errors.isEmpty()) {
            problem.setProperty("field", errors.get(0).field());
            problem.setProperty("errors", errors.stream()
                    .map(err -> Map.of("field", err.field(), "message", err.message())).toList());
        }
        return problem;
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
