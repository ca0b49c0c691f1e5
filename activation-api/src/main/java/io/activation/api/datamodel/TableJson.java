package io.activation.api.datamodel;

import io.activation.datamodel.AttributeSpec;
import io.activation.datamodel.AttributeType;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.TableSpec;
import io.activation.datamodel.Values;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Mapping between the API's table and row shapes and the data model's. */
final class TableJson {

    private TableJson() {}

    static TableSpec spec(TableRequest request) {
        List<FieldError> errors = new ArrayList<>();
        TableKind kind = null;
        if (request.kind() != null) {
            try {
                kind = TableKind.valueOf(request.kind().trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("kind", "must be one of INTERACTION, LINKED, REFERENCE"));
            }
        }
        List<AttributeSpec> attributes = new ArrayList<>();
        List<AttributeRequest> sent = request.attributes() == null ? List.of() : request.attributes();
        for (int i = 0; i < sent.size(); i++) {
            attributes.add(attribute(sent.get(i), "attributes[" + i + "].", errors));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new TableSpec(request.name(), kind, request.description(), request.businessKey(),
                request.timeAttribute(), attributes);
    }

    static AttributeSpec attribute(AttributeRequest request, String prefix, List<FieldError> errors) {
        if (request == null) {
            errors.add(new FieldError(prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1),
                    "must not be null"));
            return null;
        }
        AttributeType type = null;
        if (request.type() == null) {
            errors.add(new FieldError(prefix + "type", "is required: one of " + typeNames()));
        } else {
            try {
                type = AttributeType.valueOf(request.type().trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError(prefix + "type", "must be one of " + typeNames()));
            }
        }
        return new AttributeSpec(request.name(), type, Boolean.TRUE.equals(request.required()),
                request.enumValues(), request.references());
    }

    static ObjectNode toJson(TableSchema table) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("name", table.name());
        node.put("kind", table.kind().name());
        node.put("description", table.description());
        node.put("businessKey", table.businessKey());
        node.put("timeAttribute", table.timeAttribute().orElse(null));
        node.put("belongsToContact", table.belongsToContact());
        var attributes = node.putArray("attributes");
        for (TableSchema.Column c : table.columns()) {
            ObjectNode a = attributes.addObject();
            a.put("name", c.name());
            a.put("type", c.type().name());
            a.put("required", c.required());
            a.put("system", c.system());
            if (!c.enumValues().isEmpty()) {
                var values = a.putArray("enumValues");
                c.enumValues().forEach(values::add);
            }
            if (c.referencesTable() != null) {
                a.put("references", c.referencesTable());
            }
        }
        node.put("version", table.version());
        return node;
    }

    static ObjectNode row(TableSchema table, StoredRow row) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("table", table.name());
        node.set("key", Values.toJson(row.key(table)));
        node.put("id", row.id());
        if (row.contactId() != null) {
            node.put("contactId", row.contactId());
        }
        ObjectNode values = node.putObject("values");
        row.values().forEach((k, v) -> values.set(k, Values.toJson(v)));
        node.put("createdAt", row.createdAt().toString());
        node.put("updatedAt", row.updatedAt().toString());
        return node;
    }

    private static String typeNames() {
        return Arrays.toString(AttributeType.values());
    }
}
