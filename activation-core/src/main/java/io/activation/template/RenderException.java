package io.activation.template;

/** A template could not be rendered: unknown, broken, or over a render limit (time, size). */
public class RenderException extends RuntimeException {

    private final String field;

    public RenderException(String field, String message) {
        super(message);
        this.field = field;
    }

    public RenderException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /** The template field at fault ({@code subject}, {@code html}, {@code body}, ...), or null. */
    public String field() {
        return field;
    }
}
