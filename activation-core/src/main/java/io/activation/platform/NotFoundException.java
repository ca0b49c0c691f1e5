package io.activation.platform;

/** The thing named by the request does not exist. */
public class NotFoundException extends ActivationException {

    private final String field;

    public NotFoundException(String field, String message) {
        super("not-found", message);
        this.field = field;
    }

    /** The input field that named the missing thing (e.g. {@code table}), or {@code null}. */
    public String field() {
        return field;
    }
}
