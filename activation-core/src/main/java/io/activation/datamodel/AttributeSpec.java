package io.activation.datamodel;

import java.util.List;

/**
 * One attribute as a marketer asks for it.
 *
 * @param enumValues the allowed values, for ENUM attributes
 * @param references the table whose business key this attribute holds (a relation such as order line → order)
 */
public record AttributeSpec(String name, AttributeType type, boolean required, List<String> enumValues,
        String references) {

    public AttributeSpec {
        enumValues = enumValues == null ? List.of() : List.copyOf(enumValues);
    }
}
