package io.activation.platform;

/** The request contradicts the current state (an existing table, a reused idempotency key, ...). */
public class ConflictException extends ActivationException {

    private final String field;

    public ConflictException(String code, String field, String message) {
        super(code, message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
