package io.activation.datamodel;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of the data model ({@code activation.datamodel.*}). Defaults follow the reference product: 40 attributes
 * and 10 million rows per interaction or linked-data table, 25 attributes per reference table.
 */
@Validated
@ConfigurationProperties("activation.datamodel")
public record DataModelProperties(
        @DefaultValue("40") @Min(1) @Max(1000) int interactionMaxAttributes,
        @DefaultValue("10000000") @Min(1) long interactionMaxRows,
        @DefaultValue("40") @Min(1) @Max(1000) int linkedMaxAttributes,
        @DefaultValue("10000000") @Min(1) long linkedMaxRows,
        @DefaultValue("25") @Min(1) @Max(1000) int referenceMaxAttributes,
        @DefaultValue("10000000") @Min(1) long referenceMaxRows,
        @DefaultValue("40") @Min(0) @Max(1000) int contactMaxCustomAttributes,
        @DefaultValue("200") @Min(1) int maxTables,
        @DefaultValue("10000") @Min(1) int maxTextLength) {

    int maxAttributes(TableKind kind) {
        return switch (kind) {
            case INTERACTION -> interactionMaxAttributes;
            case LINKED -> linkedMaxAttributes;
            case REFERENCE -> referenceMaxAttributes;
            case CONTACTS -> contactMaxCustomAttributes;
        };
    }

    /** The row limit of a table of that kind; contacts are not capped here. */
    public long maxRows(TableKind kind) {
        return switch (kind) {
            case INTERACTION -> interactionMaxRows;
            case LINKED -> linkedMaxRows;
            case REFERENCE -> referenceMaxRows;
            case CONTACTS -> Long.MAX_VALUE;
        };
    }
}
