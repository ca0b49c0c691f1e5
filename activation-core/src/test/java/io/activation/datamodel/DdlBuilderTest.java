package io.activation.datamodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DdlBuilderTest {

    private static TableSchema.Column col(String name, AttributeType type, String references) {
        return new TableSchema.Column(name, type, false, false, List.of(), references);
    }

    @Test
    void interactionTableGetsTypedColumnsKeyContactAndIndexes() {
        TableSchema orders = new TableSchema("order_lines", TableKind.INTERACTION, "line_id",
                Optional.of("ordered_at"), null, List.of(col("line_id", AttributeType.TEXT, null),
                        col("ordered_at", AttributeType.TIMESTAMP, null), col("qty", AttributeType.INTEGER, null),
                        col("order_no", AttributeType.TEXT, "orders"), col("extra", AttributeType.JSON, null)), 0);
        List<String> ddl = DdlBuilder.createTable(orders).transactional();
        assertThat(ddl.get(0)).startsWith("create table data.\"order_lines\"")
                .contains("contact_id bigint not null references public.contacts (id) on delete cascade")
                .contains("\"line_id\" text not null").contains("\"ordered_at\" timestamptz")
                .contains("\"qty\" bigint").contains("\"extra\" jsonb")
                .contains("constraint \"order_lines_key\" unique (\"line_id\")");
        assertThat(ddl).anyMatch(s -> s.contains("(contact_id, \"ordered_at\")"))
                .anyMatch(s -> s.contains("order_lines_ref_order_no") && s.contains("(\"order_no\")"));
    }

    @Test
    void referenceTableHasNoContact() {
        TableSchema products = new TableSchema("products", TableKind.REFERENCE, "sku", Optional.empty(), null,
                List.of(col("sku", AttributeType.TEXT, null)), 0);
        assertThat(DdlBuilder.createTable(products).transactional().get(0)).doesNotContain("contact_id");
    }

    @Test
    void addingAColumnIsCatalogueOnlyAndBoundedByALockTimeout() {
        TableSchema products = new TableSchema("products", TableKind.REFERENCE, "sku", Optional.empty(), null,
                List.of(col("sku", AttributeType.TEXT, null)), 0);
        DdlBuilder.Ddl ddl = DdlBuilder.addColumn(products, col("price", AttributeType.DECIMAL, null));
        assertThat(ddl.transactional()).containsExactly("set local lock_timeout = '5s'",
                "alter table data.\"products\" add column \"price\" numeric");
        assertThat(ddl.concurrent()).isEmpty();
    }

    @Test
    void longNamesGetDistinctIndexNamesWithinPostgresqlsLimit() {
        String a = "a".repeat(60) + "_x";
        String b = "a".repeat(60) + "_y";
        assertThat(DdlBuilder.indexName(a, "contact_time")).hasSizeLessThanOrEqualTo(65)
                .isNotEqualTo(DdlBuilder.indexName(b, "contact_time"));
    }
}
