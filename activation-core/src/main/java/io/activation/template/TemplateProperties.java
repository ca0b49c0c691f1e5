package io.activation.template;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Template settings ({@code activation.templates.*}).
 *
 * @param renderTimeout CPU time one part may take to render (wall-clock: ten times that); over it the render fails
 *     naming the part
 * @param maxOutputChars the most characters one rendered part (and any intermediate text or list) may have
 * @param maxTemplateChars the most characters one template part may have when saved
 * @param maxIterations loop iterations allowed in one render, all loops together
 * @param relatedRows rows per table a template sees in {@code tables.<name>} and {@code trigger.related.<name>}
 * @param recommendations the "bought this, also bought" block
 */
@Validated
@ConfigurationProperties("activation.templates")
public record TemplateProperties(
        @DefaultValue("250ms") @NotNull Duration renderTimeout,
        @DefaultValue("500000") @Min(1000) int maxOutputChars,
        @DefaultValue("200000") @Min(1000) int maxTemplateChars,
        @DefaultValue("20000") @Min(100) int maxIterations,
        @DefaultValue("20") @Min(1) @Max(500) int relatedRows,
        @DefaultValue @Valid Recommendations recommendations) {

    /**
     * Co-purchase recommendations: the products other contacts who have a seed product in {@code table} also have
     * there, ranked by how many such contacts, excluding what the contact has already.
     *
     * @param table the interaction table of purchases (e.g. order_lines); blank = the first interaction table with a
     *     relation to a reference table
     * @param productColumn its relation column to the product table; blank = the first relation column
     * @param window only rows of this recent period count
     * @param limit how many products the block holds
     * @param maxBuyers at most this many other contacts are looked at per render (bounds the query)
     */
    public record Recommendations(
            String table,
            String productColumn,
            @DefaultValue("P365D") @NotNull Duration window,
            @DefaultValue("4") @Min(1) @Max(50) int limit,
            @DefaultValue("2000") @Min(10) int maxBuyers) {}
}
