package io.activation.platform;

import java.util.List;

/** Input that breaks a rule of the domain. Nothing was changed when this is thrown. */
public class InvalidInputException extends ActivationException {

    private final List<FieldError> errors;

    public InvalidInputException(List<FieldError> errors) {
        super("invalid-input", summary(errors));
        this.errors = List.copyOf(errors);
    }

    public InvalidInputException(String field, String message) {
        this(List.of(new FieldError(field, message)));
    }

    public List<FieldError> errors() {
        return errors;
    }

    private static String summary(List<FieldError> errors) {
        if (errors.isEmpty()) {
            return "Invalid input";
        }
        FieldError first = errors.get(0);
        String more = errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "";
        return (first.field().isEmpty() ? "" : first.field() + ": ") + first.message() + more;
    }
}
