package io.activation.platform;

/**
 * Base of the domain exceptions. {@link #code()} is a stable, machine-readable name of the error kind that the
 * API turns into the problem {@code type}; it never changes once published.
 */
public abstract class ActivationException extends RuntimeException {

    private final String code;

    protected ActivationException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
