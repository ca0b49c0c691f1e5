package io.activation.api.contact;

import io.activation.contact.ContactRef;
import io.activation.platform.InvalidInputException;
import tools.jackson.databind.JsonNode;

/** Reads {@code {"externalId": ...} | {"anonymousId": ...} | {"id": ...}} naming a contact. */
public final class ContactRefJson {

    private ContactRefJson() {}

    /** The ref, or null when the node is absent. */
    public static ContactRef parse(JsonNode node, String path) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (!node.isObject()) {
            throw new InvalidInputException(path, "must be an object: {\"externalId\": ...}, {\"anonymousId\": ...}"
                    + " or {\"id\": ...}");
        }
        String externalId = text(node, "externalId", path);
        String anonymousId = text(node, "anonymousId", path);
        Long id = null;
        JsonNode idNode = node.get("id");
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isIntegralNumber() || !idNode.canConvertToLong()) {
                throw new InvalidInputException(path + ".id", "must be an integer");
            }
            id = idNode.longValue();
        }
        return new ContactRef(externalId, anonymousId, id).validated(path);
    }

    private static String text(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw new InvalidInputException(path + "." + field, "must be a string");
        }
        return value.stringValue();
    }
}
