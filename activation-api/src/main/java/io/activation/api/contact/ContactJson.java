package io.activation.api.contact;

import io.activation.contact.ContactFields;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.Values;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Maps the contact's API shape ({@code externalId}, {@code firstName}, ..., custom ones under {@code attributes})
 * to the table's columns and back, field paths in errors included.
 */
public final class ContactJson {

    private ContactJson() {}

    /** The request body as column names to values; unknown fields are errors naming the field. */
    public static ObjectNode toColumns(JsonNode body, String path) {
        String prefix = path.isEmpty() ? "" : path + ".";
        if (body == null || !body.isObject()) {
            throw new InvalidInputException(path.isEmpty() ? "body" : path, "must be a JSON object");
        }
        ObjectNode columns = JsonNodeFactory.instance.objectNode();
        List<FieldError> errors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            String name = field.getKey();
            if (name.equals("attributes")) {
                JsonNode custom = field.getValue();
                if (custom.isNull()) {
                    continue;
                }
                if (!custom.isObject()) {
                    errors.add(new FieldError(prefix + "attributes", "must be an object of custom attributes"));
                    continue;
                }
                for (Map.Entry<String, JsonNode> c : custom.properties()) {
                    if (ContactFields.isBuiltIn(c.getKey())) {
                        errors.add(new FieldError(prefix + "attributes." + c.getKey(),
                                "is a built-in field; send it at the top level"));
                    } else {
                        columns.set(c.getKey(), c.getValue());
                    }
                }
            } else if (name.equals("idempotencyKey")) {
                continue;
            } else {
                String column = ContactFields.column(name).orElse(null);
                if (column == null) {
                    errors.add(new FieldError(prefix + name, "is not a contact field (custom attributes go under"
                            + " 'attributes')"));
                } else {
                    columns.set(column, field.getValue());
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return columns;
    }

    /** Errors on columns, renamed to the request's field paths. */
    public static List<FieldError> apiErrors(List<FieldError> errors, String path) {
        String prefix = path.isEmpty() ? "" : path + ".";
        return errors.stream().map(e -> {
            String field = e.field().startsWith("values.") ? e.field().substring(7) : e.field();
            String api = ContactFields.apiName(field).orElse(field.isEmpty() || field.equals("contact")
                    || field.equals("table") ? field : "attributes." + field);
            return new FieldError(prefix + api, e.message());
        }).toList();
    }

    public static ObjectNode toJson(StoredRow contact, List<String> anonymousIds) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", contact.id());
        ObjectNode custom = JsonNodeFactory.instance.objectNode();
        contact.values().forEach((column, value) -> {
            if (ContactFields.isBuiltIn(column)) {
                node.set(ContactFields.apiName(column).orElseThrow(), Values.toJson(value));
            } else {
                custom.set(column, Values.toJson(value));
            }
        });
        node.set("attributes", custom);
        if (anonymousIds != null) {
            var array = node.putArray("anonymousIds");
            anonymousIds.forEach(array::add);
        }
        node.put("createdAt", contact.createdAt().toString());
        node.put("updatedAt", contact.updatedAt().toString());
        return node;
    }
}
