package io.activation.api.web;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Problem details for what fails before a handler is chosen: a method, media type or path no endpoint takes.
 * {@link Problems} only advises this API's controllers, and with it Boot's own problem-details handler steps back,
 * so without this a 405 or 415 answered Boot's error JSON. Lowest precedence: {@link Problems} wins where it
 * applies.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
class MvcProblems extends ResponseEntityExceptionHandler {

    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode statusCode,
            WebRequest request) {
        Problems.stampType(body, statusCode);
        return super.createResponseEntity(body, headers, statusCode, request);
    }
}
