package io.activation.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.sql.PreparedStatement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A batch look-up ({@code where id = any(?)}) in a table that grew after PostgreSQL cached a generic plan for it: on
 * that plan it scans the whole table; with {@link CustomPlans} it uses the index. The sequential scans of the table
 * are counted by {@code pg_stat_xact_all_tables}, which sees the current transaction's own.
 */
class CustomPlansTest extends ApiTest {

    private static final String LOOK_UP = "select c from plan_probe where id = any(?)";
    /** The same look-up as another SQL text, run only through {@link CustomPlans#prepare}. */
    private static final String UNPREPARED = "select p.c from plan_probe p where p.id = any(?)";
    private static final Long[] IDS = {1L, 2L, 3L};

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    JdbcTransactions transactions;

    @Test
    void aLookUpInAGrownTableUsesTheIndexInsteadOfTheCachedScan() {
        transactions.run(() -> {
            jdbc.execute("create temp table plan_probe (id bigint primary key, c bigint) on commit drop");
            jdbc.update("insert into plan_probe select g, g from generate_series(1, 50) g");
            jdbc.execute("analyze plan_probe");
            // Server-side prepared after five executions, then a generic plan from the table's size now: a scan.
            for (int i = 0; i < 15; i++) {
                jdbc.queryForList(LOOK_UP, Long.class, (Object) IDS);
                unprepared();
            }
            jdbc.update("insert into plan_probe select g, g from generate_series(51, 200000) g");

            long before = seqScans();
            assertThat(jdbc.queryForList(LOOK_UP, Long.class, (Object) IDS)).containsExactlyInAnyOrder(1L, 2L, 3L);
            assertThat(seqScans()).as("the premise: the cached generic plan scans the grown table")
                    .isEqualTo(before + 1);

            CustomPlans.forThisTransaction(jdbc);
            assertThat(jdbc.queryForList(LOOK_UP, Long.class, (Object) IDS)).containsExactlyInAnyOrder(1L, 2L, 3L);
            assertThat(seqScans()).as("planned for the actual array: the index").isEqualTo(before + 1);

            jdbc.execute("set local plan_cache_mode = auto");
            assertThat(unprepared()).containsExactlyInAnyOrder(1L, 2L, 3L);
            assertThat(seqScans()).as("a statement never prepared on the server: the index").isEqualTo(before + 1);
        });
    }

    private List<Long> unprepared() {
        return jdbc.query(connection -> {
            PreparedStatement statement = CustomPlans.prepare(connection, UNPREPARED);
            statement.setArray(1, connection.createArrayOf("bigint", IDS));
            return statement;
        }, (rs, n) -> rs.getLong(1));
    }

    private long seqScans() {
        Long n = jdbc.queryForObject("select seq_scan from pg_stat_xact_all_tables where relid = 'plan_probe'::regclass",
                Long.class);
        return n == null ? 0 : n;
    }
}
