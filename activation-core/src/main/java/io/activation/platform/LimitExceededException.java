package io.activation.platform;

/** A configured limit (attributes per table, rows per table, items per batch) would be exceeded. */
public class LimitExceededException extends ActivationException {

    private final String field;
    private final long limit;

    public LimitExceededException(String field, long limit, String message) {
        super("limit-exceeded", message);
        this.field = field;
        this.limit = limit;
    }

    public String field() {
        return field;
    }

    public long limit() {
        return limit;
    }
}
