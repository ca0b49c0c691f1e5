package io.activation.datamodel;

import io.activation.platform.ConflictException;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.LimitExceededException;
import io.activation.platform.NotFoundException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Defines tables and adds attributes: validates the request, records it in the catalogue and runs the DDL in the
 * same transaction (PostgreSQL DDL is transactional), so a failed definition leaves nothing behind.
 */
@Service
public class DataModel {

    private static final int MAX_ENUM_VALUES = 500;
    private static final int MAX_ENUM_VALUE_LENGTH = 200;

    private final TableDefinitions definitions;
    private final TableCatalog catalog;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final DataModelProperties limits;
    private final Clock clock;

    DataModel(TableDefinitions definitions, TableCatalog catalog, JdbcTemplate jdbc, TransactionTemplate transactions,
            DataModelProperties limits, Clock clock) {
        this.definitions = definitions;
        this.catalog = catalog;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.limits = limits;
        this.clock = clock;
    }

    public TableSchema defineTable(TableSpec spec) {
        validateTable(spec);
        TableSchema created = transactions.execute(status -> {
            if (definitions.existsById(spec.name())) {
                throw new ConflictException("table-exists", "name", "A table '" + spec.name() + "' already exists");
            }
            if (definitions.count() - 1 >= limits.maxTables()) {
                throw new LimitExceededException("name", limits.maxTables(),
                        "At most " + limits.maxTables() + " tables can be defined");
            }
            TableDefinition table = new TableDefinition(new Identifier(spec.name()), spec.kind(), spec.description(),
                    clock.instant());
            for (int i = 0; i < spec.attributes().size(); i++) {
                AttributeSpec a = spec.attributes().get(i);
                table.addAttribute(attribute(a), limits.maxAttributes(spec.kind()), "attributes[" + i + "]");
            }
            table.useAsBusinessKey(spec.businessKey());
            if (spec.timeAttribute() != null) {
                table.useAsTimeAttribute(spec.timeAttribute());
            }
            TableDefinition saved = definitions.saveAndFlush(table);
            TableSchema schema = TableSchema.of(saved);
            DdlBuilder.createTable(schema).transactional().forEach(jdbc::execute);
            return schema;
        });
        catalog.evict(spec.name());
        return created;
    }

    public TableSchema addAttribute(String tableName, AttributeSpec spec) {
        TableSchema current = catalog.schema(tableName);
        List<FieldError> errors = new ArrayList<>();
        validateAttribute(spec, "", errors, Set.of(current.name()));
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        TableSchema.Column column;
        TableSchema updated;
        try {
            updated = transactions.execute(status -> {
                TableDefinition table = definitions.findById(tableName)
                        .orElseThrow(() -> new NotFoundException("table", "There is no table '" + tableName + "'"));
                table.addAttribute(attribute(spec), limits.maxAttributes(table.kind()), "name");
                TableDefinition saved = definitions.saveAndFlush(table);
                TableSchema schema = TableSchema.of(saved);
                DdlBuilder.addColumn(schema, schema.column(spec.name()).orElseThrow()).transactional()
                        .forEach(jdbc::execute);
                return schema;
            });
        } catch (PessimisticLockingFailureException e) {
            throw new ConflictException("table-busy", "table",
                    "Table '" + tableName + "' is busy (a long transaction holds it); try again");
        } finally {
            catalog.evict(tableName);
        }
        column = updated.column(spec.name()).orElseThrow();
        DdlBuilder.addColumn(updated, column).concurrent().forEach(jdbc::execute);
        return updated;
    }

    public TableSchema describe(String tableName) {
        return catalog.schema(tableName);
    }

    public List<TableSchema> list() {
        return catalog.all();
    }

    private AttributeDefinition attribute(AttributeSpec spec) {
        return new AttributeDefinition(spec.name(), spec.type(), spec.required(), spec.enumValues(), spec.references(),
                clock.instant());
    }

    private void validateTable(TableSpec spec) {
        List<FieldError> errors = new ArrayList<>();
        String nameProblem = Identifier.problem(spec.name());
        if (nameProblem != null) {
            errors.add(new FieldError("name", nameProblem));
        }
        if (spec.kind() == null) {
            errors.add(new FieldError("kind", "is required: one of INTERACTION, LINKED, REFERENCE"));
        } else if (spec.kind() == TableKind.CONTACTS) {
            errors.add(new FieldError("kind", "CONTACTS is the platform's own table; use INTERACTION, LINKED or REFERENCE"));
        }
        if (spec.description() != null && spec.description().length() > 500) {
            errors.add(new FieldError("description", "must be at most 500 characters"));
        } else if (spec.description() != null && Values.characterProblem(spec.description()) != null) {
            errors.add(new FieldError("description", Values.characterProblem(spec.description())));
        }
        if (spec.attributes().isEmpty()) {
            errors.add(new FieldError("attributes", "a table needs at least its business-key attribute"));
        }
        if (spec.kind() != null && spec.kind() != TableKind.CONTACTS
                && spec.attributes().size() > limits.maxAttributes(spec.kind())) {
            throw new LimitExceededException("attributes", limits.maxAttributes(spec.kind()),
                    "A " + spec.kind().name().toLowerCase() + " table may have at most "
                            + limits.maxAttributes(spec.kind()) + " attributes");
        }
        Set<String> names = new HashSet<>();
        Set<String> selfReference = spec.name() == null ? Set.of() : Set.of(spec.name());
        for (int i = 0; i < spec.attributes().size(); i++) {
            AttributeSpec a = spec.attributes().get(i);
            String path = "attributes[" + i + "]";
            if (a == null) {
                errors.add(new FieldError(path, "must not be null"));
                continue;
            }
            validateAttribute(a, path, errors, selfReference);
            if (a.name() != null && !names.add(a.name())) {
                errors.add(new FieldError(path + ".name", "'" + a.name() + "' is defined twice"));
            }
        }
        if (spec.businessKey() == null || spec.businessKey().isEmpty()) {
            errors.add(new FieldError("businessKey", "is required: the attribute whose value identifies a row"));
        } else {
            spec.attributes().stream().filter(a -> a != null && spec.businessKey().equals(a.name())).findFirst()
                    .ifPresentOrElse(a -> {
                        if (a.type() != null && !a.type().canBeKey()) {
                            errors.add(new FieldError("businessKey", "must be a TEXT or INTEGER attribute, '"
                                    + a.name() + "' is " + a.type()));
                        }
                    }, () -> errors.add(new FieldError("businessKey",
                            "'" + spec.businessKey() + "' is not one of the table's attributes")));
        }
        if (spec.timeAttribute() != null) {
            if (spec.kind() != TableKind.INTERACTION) {
                errors.add(new FieldError("timeAttribute", "only interaction tables have a time attribute"));
            } else {
                spec.attributes().stream().filter(a -> a != null && spec.timeAttribute().equals(a.name())).findFirst()
                        .ifPresentOrElse(a -> {
                            if (a.type() != AttributeType.TIMESTAMP && a.type() != AttributeType.DATE) {
                                errors.add(new FieldError("timeAttribute", "must be a TIMESTAMP or DATE attribute"));
                            }
                        }, () -> errors.add(new FieldError("timeAttribute",
                                "'" + spec.timeAttribute() + "' is not one of the table's attributes")));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        // Relations to the table itself are checked against the spec (it does not exist yet).
        for (int i = 0; i < spec.attributes().size(); i++) {
            AttributeSpec a = spec.attributes().get(i);
            if (a.references() != null && a.references().equals(spec.name())) {
                AttributeSpec key = spec.attributes().stream().filter(k -> k.name().equals(spec.businessKey()))
                        .findFirst().orElseThrow();
                if (key.type() != a.type()) {
                    throw new InvalidInputException("attributes[" + i + "].type",
                            "must be " + key.type() + " like the business key of '" + spec.name() + "'");
                }
            }
        }
    }

    private void validateAttribute(AttributeSpec a, String path, List<FieldError> errors, Set<String> definedNow) {
        String prefix = path.isEmpty() ? "" : path + ".";
        String nameProblem = Identifier.problem(a.name());
        if (nameProblem != null) {
            errors.add(new FieldError(prefix + "name", nameProblem));
        }
        if (a.type() == null) {
            errors.add(new FieldError(prefix + "type", "is required"));
            return;
        }
        if (a.type() == AttributeType.ENUM) {
            if (a.enumValues().isEmpty()) {
                errors.add(new FieldError(prefix + "enumValues", "an ENUM attribute needs its list of values"));
            }
            if (a.enumValues().size() > MAX_ENUM_VALUES) {
                errors.add(new FieldError(prefix + "enumValues", "at most " + MAX_ENUM_VALUES + " values"));
            }
            Set<String> seen = new HashSet<>();
            for (String v : a.enumValues()) {
                if (v == null || v.isBlank() || v.length() > MAX_ENUM_VALUE_LENGTH || v.contains("\n")
                        || v.contains("\r") || Values.characterProblem(v) != null) {
                    errors.add(new FieldError(prefix + "enumValues", "each value must be 1 to "
                            + MAX_ENUM_VALUE_LENGTH + " characters on one line"));
                    break;
                }
                if (!seen.add(v)) {
                    errors.add(new FieldError(prefix + "enumValues", "'" + v + "' is listed twice"));
                    break;
                }
            }
        } else if (!a.enumValues().isEmpty()) {
            errors.add(new FieldError(prefix + "enumValues", "only ENUM attributes have values"));
        }
        if (a.references() != null && !definedNow.contains(a.references())) {
            if (Identifier.problem(a.references()) != null && !"contacts".equals(a.references())) {
                errors.add(new FieldError(prefix + "references", "there is no table '" + a.references() + "'"));
                return;
            }
            try {
                TableSchema target = catalog.schema(a.references(), prefix + "references");
                if (target.kind() == TableKind.CONTACTS) {
                    errors.add(new FieldError(prefix + "references",
                            "rows link to contacts by their contact; relations are between user tables"));
                } else if (target.keyColumn().type() != a.type()) {
                    errors.add(new FieldError(prefix + "type", "must be " + target.keyColumn().type()
                            + " like the business key of '" + target.name() + "'"));
                }
            } catch (NotFoundException e) {
                errors.add(new FieldError(prefix + "references", "there is no table '" + a.references() + "'"));
            }
        }
    }
}
