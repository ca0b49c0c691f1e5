package io.activation.datamodel;

import java.util.List;

/**
 * What a marketer asks for when defining a table.
 *
 * @param businessKey the attribute that identifies a row (upserts use it); must be a TEXT or INTEGER attribute
 * @param timeAttribute for interaction tables: the DATE or TIMESTAMP attribute that says when it happened
 *     (indexed with the contact id for segments); optional
 */
public record TableSpec(String name, TableKind kind, String description, String businessKey, String timeAttribute,
        List<AttributeSpec> attributes) {

    public TableSpec {
        attributes = attributes == null ? List.of() : List.copyOf(attributes);
    }
}
