package io.activation.delivery.device;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * What an app sends to register its token: the token, its platform, the app, and (when FCM rotated the token) the
 * token it replaces. Checked on construction; every problem is named in one {@link InvalidInputException}.
 */
public record DeviceRegistration(String token, DevicePlatform platform, String appId, String previousToken) {

    /** FCM tokens are about 160 characters; the column allows 4,096. */
    public static final int MAX_TOKEN_LENGTH = 4096;
    public static final int MAX_APP_ID_LENGTH = 255;

    public DeviceRegistration {
        List<FieldError> errors = new ArrayList<>();
        checkToken(token, "token", true, errors);
        checkToken(previousToken, "previousToken", false, errors);
        if (platform == null) {
            errors.add(new FieldError("platform", "is required: android, ios or web"));
        }
        if (appId != null && (appId.isBlank() || appId.length() > MAX_APP_ID_LENGTH
                || appId.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
            errors.add(new FieldError("appId", "must be 1 to " + MAX_APP_ID_LENGTH
                    + " characters without control characters"));
        }
        if (token != null && token.equals(previousToken)) {
            errors.add(new FieldError("previousToken", "must differ from token"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
    }

    /** Checks a token: printable ASCII without spaces, at most {@value #MAX_TOKEN_LENGTH} characters. */
    static void checkToken(String token, String field, boolean required, List<FieldError> errors) {
        if (token == null) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return;
        }
        if (token.isEmpty()) {
            errors.add(new FieldError(field, "must not be empty"));
        } else if (token.length() > MAX_TOKEN_LENGTH) {
            errors.add(new FieldError(field, "must be at most " + MAX_TOKEN_LENGTH + " characters"));
        } else if (token.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            errors.add(new FieldError(field, "must be printable ASCII without spaces"));
        }
    }
}
