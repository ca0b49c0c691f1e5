package io.activation.api.segment;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the Segment-compatible tracking API ({@code activation.segment.*}). The default table mappings live
 * in {@code application.yml}, where they are documented; a list set in your own configuration replaces them whole.
 *
 * @param maxMessageSize the largest single call, and the largest message inside a batch (Segment: 32 KB)
 * @param maxBatchSize the largest batch request (Segment: 500 KB)
 * @param maxBatchMessages messages per batch; those beyond are rejected one by one, the others go through
 *     (Segment: 2,500)
 * @param mappings how track events are written to the shop's tables, in order
 */
@Validated
@ConfigurationProperties("activation.segment")
public record SegmentProperties(
        @DefaultValue("32KB") DataSize maxMessageSize,
        @DefaultValue("500KB") DataSize maxBatchSize,
        @DefaultValue("2500") @Min(1) @Max(100_000) int maxBatchMessages,
        List<@Valid TableMapping> mappings) {

    public SegmentProperties {
        mappings = mappings == null ? List.of() : List.copyOf(mappings);
    }

    /** Whether a mapping writes rows or deletes the row its business key names. */
    public enum Action {
        UPSERT, DELETE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Writes one row of {@code table} for every track call of one of {@code events} (or one row per element of the
     * array at {@code forEach}). {@code values} maps the table's attributes to value expressions (see
     * {@link ValueExpression}); the row is written only when its business key has a value, attributes the table
     * lacks are skipped, and a table that does not exist skips the mapping. With {@code action: delete} the row
     * whose business key the expression names is deleted.
     *
     * @param events Segment event names, exactly as sent ({@code Order Completed})
     * @param table the table to write
     * @param action upsert (default) or delete
     * @param forEach a path to an array of the message ({@code properties.products}); the expressions then see the
     *     element as {@code item} and its position as {@code @index}
     * @param values attribute name to value expression
     * @param enabled false keeps a mapping documented but inactive
     */
    public record TableMapping(
            @NotEmpty List<@NotBlank String> events,
            @NotBlank String table,
            Action action,
            String forEach,
            @NotEmpty Map<String, String> values,
            Boolean enabled) {

        public TableMapping {
            events = events == null ? List.of() : List.copyOf(events);
            action = action == null ? Action.UPSERT : action;
            forEach = forEach == null || forEach.isBlank() ? null : forEach.trim();
            // Keep the configured order: rows are built column by column as listed.
            values = values == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
            enabled = enabled == null || enabled;
        }

        public boolean isEnabled() {
            return enabled;
        }
    }
}
