package io.activation.api.web;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reading request bodies field by field while collecting every problem, so one 422 names them all.
 */
public final class JsonFields {

    private JsonFields() {}

    /** A text field: null when absent or JSON null; any other non-string adds "must be a string". */
    public static String optionalText(JsonNode body, String field, List<FieldError> errors) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        return v.stringValue();
    }

    /**
     * Adds the domain's own checks to the problems the request's shape already named (one problem per field: the
     * shape's wins), so the answer lists every problem at once.
     */
    public static void addDomainErrors(List<FieldError> errors, InvalidInputException domain) {
        domain.errors().stream().filter(f -> errors.stream().noneMatch(x -> x.field().equals(f.field())))
                .forEach(errors::add);
    }
}
