package io.activation.platform;

import java.util.Objects;

/**
 * One thing wrong with one input field.
 *
 * @param field the path of the field as the client sent it, e.g. {@code email} or {@code items[3].values.total}
 * @param message what is wrong, in words a developer integrating the API understands
 */
public record FieldError(String field, String message) {

    public FieldError {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }

    /** The same error, with its field path prefixed (for errors found inside a nested object). */
    public FieldError under(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return this;
        }
        return new FieldError(field.isEmpty() ? prefix : prefix + "." + field, message);
    }
}
