package io.activation.datamodel;

/**
 * The types an attribute can have, each with the one PostgreSQL column type it maps to. The last five are the
 * formats of the contact's own attributes (validated and normalised on write); they can be used for custom
 * attributes too.
 */
public enum AttributeType {
    TEXT("text"),
    INTEGER("bigint"),
    DECIMAL("numeric"),
    BOOLEAN("boolean"),
    DATE("date"),
    TIMESTAMP("timestamptz"),
    ENUM("text"),
    JSON("jsonb"),
    EMAIL("varchar(320)"),
    PHONE("varchar(20)"),
    LOCALE("varchar(35)"),
    TIME_ZONE("varchar(64)"),
    COUNTRY("char(2)");

    private final String sqlType;

    AttributeType(String sqlType) {
        this.sqlType = sqlType;
    }

    /** The column type in PostgreSQL. Never derived from user input. */
    String sqlType() {
        return sqlType;
    }

    /** Whether a table's business key can have this type. */
    public boolean canBeKey() {
        return this == TEXT || this == INTEGER;
    }
}
