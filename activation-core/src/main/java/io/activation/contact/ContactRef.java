package io.activation.contact;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a request names a contact: by the shop's business key, by an anonymous id, or by our internal id. When an
 * external id is given it wins; the anonymous id is then only linked.
 */
public record ContactRef(String externalId, String anonymousId, Long contactId) {

    public static final int MAX_ID_LENGTH = 255;

    public static ContactRef external(String externalId) {
        return new ContactRef(externalId, null, null);
    }

    public static ContactRef anonymous(String anonymousId) {
        return new ContactRef(null, anonymousId, null);
    }

    public static ContactRef internal(long contactId) {
        return new ContactRef(null, null, contactId);
    }

    /** Checks the ref; {@code path} prefixes the field names in errors. */
    public ContactRef validated(String path) {
        List<FieldError> errors = new ArrayList<>();
        String p = path == null || path.isEmpty() ? "" : path + ".";
        if (externalId == null && anonymousId == null && contactId == null) {
            errors.add(new FieldError(p.isEmpty() ? "contact" : path,
                    "name the contact: externalId, anonymousId or contactId"));
        }
        check(externalId, p + "externalId", errors);
        check(anonymousId, p + "anonymousId", errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return this;
    }

    private static void check(String id, String field, List<FieldError> errors) {
        if (id == null) {
            return;
        }
        if (id.isBlank()) {
            errors.add(new FieldError(field, "must not be blank"));
        } else if (id.length() > MAX_ID_LENGTH) {
            errors.add(new FieldError(field, "must be at most " + MAX_ID_LENGTH + " characters"));
        } else if (id.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            errors.add(new FieldError(field, "must not contain control characters"));
        } else if (id.codePoints().anyMatch(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)) {
            errors.add(new FieldError(field, "is not valid Unicode text"));
        }
    }
}
