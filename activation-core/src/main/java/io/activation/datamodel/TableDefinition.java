package io.activation.datamodel;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OrderColumn;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A table of the data model and its attributes, in the order they were added. The aggregate guards the rules
 * that do not need the database: unique attribute names, the attribute limit, what a business key may be.
 */
@Entity
@Table(name = "data_tables")
public class TableDefinition {

    @Id
    @Column(name = "name")
    private String name;

    @Enumerated(EnumType.STRING)
    @Column(name = "kind", nullable = false)
    private TableKind kind;

    @Column(name = "business_key", nullable = false)
    private String businessKey;

    @Column(name = "time_attribute")
    private String timeAttribute;

    @Column(name = "description")
    private String description;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Version
    @Column(name = "version", nullable = false)
    private long version;

    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "data_attributes", joinColumns = @JoinColumn(name = "table_name"))
    @OrderColumn(name = "position")
    private List<AttributeDefinition> attributes = new ArrayList<>();

    protected TableDefinition() {}

    TableDefinition(Identifier name, TableKind kind, String description, Instant createdAt) {
        this.name = name.value();
        this.kind = kind;
        this.description = description;
        this.createdAt = createdAt;
    }

    public String name() {
        return name;
    }

    public TableKind kind() {
        return kind;
    }

    public String businessKey() {
        return businessKey;
    }

    public Optional<String> timeAttribute() {
        return Optional.ofNullable(timeAttribute);
    }

    public String description() {
        return description;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public long version() {
        return version;
    }

    public List<AttributeDefinition> attributes() {
        return List.copyOf(attributes);
    }

    public Optional<AttributeDefinition> attribute(String attributeName) {
        return attributes.stream().filter(a -> a.name().equals(attributeName)).findFirst();
    }

    /** Attributes the marketer defined (for contacts: not the built-in ones). */
    public long customAttributeCount() {
        return attributes.stream().filter(a -> !a.system()).count();
    }

    /** Adds an attribute, enforcing unique names and the attribute limit. */
    void addAttribute(AttributeDefinition attribute, int maxAttributes, String field) {
        if (attribute(attribute.name()).isPresent()) {
            throw new io.activation.platform.ConflictException("attribute-exists", field,
                    "Table '" + name + "' already has an attribute '" + attribute.name() + "'");
        }
        if (customAttributeCount() + 1 > maxAttributes) {
            throw new io.activation.platform.LimitExceededException(field, maxAttributes,
                    "Table '" + name + "' may have at most " + maxAttributes + " attributes");
        }
        attributes.add(attribute);
    }

    void useAsBusinessKey(String attributeName) {
        this.businessKey = attributeName;
    }

    void useAsTimeAttribute(String attributeName) {
        this.timeAttribute = attributeName;
    }
}
