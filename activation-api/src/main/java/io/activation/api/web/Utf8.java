package io.activation.api.web;

/** The UTF-8 well-formedness check of {@link Utf8BodyFilter}, for bodies the filter cannot see decoded. */
public final class Utf8 {

    private Utf8() {}

    /** Why the bytes are not well-formed UTF-8, or {@code null} when they are. */
    public static String problem(byte[] bytes) {
        Utf8BodyFilter.Validator validator = new Utf8BodyFilter.Validator();
        try {
            for (byte b : bytes) {
                validator.accept(b & 0xFF);
            }
            validator.end();
            return null;
        } catch (Utf8BodyFilter.InvalidUtf8Exception e) {
            return e.getMessage();
        }
    }
}
