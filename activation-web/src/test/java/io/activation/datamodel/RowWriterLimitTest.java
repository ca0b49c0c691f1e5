package io.activation.datamodel;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The row limit inside the one write path, with a limit of 3 instead of the configured millions: a RowWriter of
 * its own over the application's database and a table defined through the API.
 */
class RowWriterLimitTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    TransactionTemplate transactions;

    @Autowired
    TableCatalog catalog;

    @Test
    void aBatchFillsTheTableUpToItsLimitAndRejectsOnlyTheRowsThatDoNotFit() {
        String name = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "sku",
                 "attributes": [{"name": "sku", "type": "integer"}, {"name": "title", "type": "text"}]}
                """.formatted(unique("products")));
        TableSchema table = catalog.schema(name);
        DataModelProperties three = new DataModelProperties(40, 3, 40, 3, 25, 3, 40, 200, 10_000);
        RowWriter writer = new RowWriter(jdbc, new RowCounts(jdbc), three, clock);

        assertThat(write(writer, table, row(1L, "a"), row(2L, "b"))).extracting(RowResult::status)
                .containsExactly(RowResult.Status.CREATED, RowResult.Status.CREATED);

        List<RowResult> results = write(writer, table, row(3L, "c"), row(4L, "d"), row(1L, "a2"), row(5L, "e"));
        assertThat(results).extracting(RowResult::status).containsExactly(RowResult.Status.CREATED,
                RowResult.Status.REJECTED, RowResult.Status.UPDATED, RowResult.Status.REJECTED);
        assertThat(results.get(1).errorCode()).isEqualTo("limit-exceeded");
        assertThat(results.get(1).errors()).extracting(e -> e.field()).containsExactly("table");
        assertThat(results.get(1).errors().get(0).message()).contains("3 rows");
        assertThat(jdbc.queryForList("select sku from " + table.qualifiedName() + " order by sku", Long.class))
                .containsExactly(1L, 2L, 3L);

        // A delete makes room for exactly one.
        transactions.executeWithoutResult(s -> assertThat(writer.delete(table, 2L)).isPresent());
        assertThat(write(writer, table, row(6L, "f"), row(7L, "g"))).extracting(RowResult::status)
                .containsExactly(RowResult.Status.CREATED, RowResult.Status.REJECTED);

        // A fresh writer re-counts from the table and agrees.
        RowWriter restarted = new RowWriter(jdbc, new RowCounts(jdbc), three, clock);
        assertThat(write(restarted, table, row(8L, "h"))).extracting(RowResult::status)
                .containsExactly(RowResult.Status.REJECTED);
    }

    private List<RowResult> write(RowWriter writer, TableSchema table, RowWrite... writes) {
        return transactions.execute(s -> writer.upsert(table, List.of(writes)));
    }

    private static RowWrite row(long sku, String title) {
        return new RowWrite(sku, Map.of("sku", sku, "title", title), null);
    }
}
