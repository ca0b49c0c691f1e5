package io.activation.datamodel;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import java.time.Instant;
import java.util.List;

/** One typed attribute of a table, as stored in the catalogue. Part of the {@link TableDefinition} aggregate. */
@Embeddable
public class AttributeDefinition {

    @Column(name = "name", nullable = false)
    private String name;

    @Enumerated(EnumType.STRING)
    @Column(name = "type", nullable = false)
    private AttributeType type;

    @Column(name = "required", nullable = false)
    private boolean required;

    @Column(name = "system", nullable = false)
    private boolean system;

    @Convert(converter = EnumValuesConverter.class)
    @Column(name = "enum_values")
    private List<String> enumValues;

    @Column(name = "references_table")
    private String referencesTable;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected AttributeDefinition() {}

    AttributeDefinition(String name, AttributeType type, boolean required, List<String> enumValues,
            String referencesTable, Instant createdAt) {
        this.name = name;
        this.type = type;
        this.required = required;
        this.system = false;
        this.enumValues = enumValues == null || enumValues.isEmpty() ? null : List.copyOf(enumValues);
        this.referencesTable = referencesTable;
        this.createdAt = createdAt;
    }

    public String name() {
        return name;
    }

    public AttributeType type() {
        return type;
    }

    public boolean required() {
        return required;
    }

    public boolean system() {
        return system;
    }

    public List<String> enumValues() {
        return enumValues == null ? List.of() : enumValues;
    }

    public String referencesTable() {
        return referencesTable;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
