package io.activation.consent;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A request to set a consent, validated on construction: purpose a lower-case name, source required, proof an
 * object of at most {@value #MAX_PROOF_CHARS} characters of JSON.
 */
public record ConsentChange(Channel channel, String purpose, ConsentStatus status, String source, JsonNode proof) {

    public static final int MAX_PROOF_CHARS = 8_192;
    private static final Pattern PURPOSE = Pattern.compile("[a-z][a-z0-9_-]{0,49}");

    public ConsentChange {
        List<FieldError> errors = new ArrayList<>();
        if (channel == null) {
            errors.add(new FieldError("channel", "is required"));
        }
        if (purpose == null || !PURPOSE.matcher(purpose).matches()) {
            errors.add(new FieldError("purpose", "is required: 1 to 50 characters of a-z, 0-9, '_' or '-', starting"
                    + " with a letter (e.g. marketing, transactional)"));
        }
        if (status == null) {
            errors.add(new FieldError("status", "is required: granted or withdrawn"));
        }
        if (source == null || source.isBlank() || source.length() > 100
                || source.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            errors.add(new FieldError("source", "is required: 1 to 100 characters on one line (e.g. signup-form)"));
        }
        if (proof == null || proof.isNull()) {
            proof = JsonNodeFactory.instance.objectNode();
        } else if (!proof.isObject()) {
            errors.add(new FieldError("proof", "must be an object (e.g. {\"ip\": ..., \"userAgent\": ..., \"form\": ...,"
                    + " \"text\": ...})"));
        } else if (proof.toString().length() > MAX_PROOF_CHARS) {
            errors.add(new FieldError("proof", "must be at most " + MAX_PROOF_CHARS + " characters of JSON"));
        } else if (proof.toString().contains("\\u0000")) {
            errors.add(new FieldError("proof", "must not contain the NUL character"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
    }
}
