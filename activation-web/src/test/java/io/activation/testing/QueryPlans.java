package io.activation.testing;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** Query plans for tests that pin which index a statement can use. */
public final class QueryPlans {

    private QueryPlans() {}

    /**
     * The plan of {@code sql} with sequential scans priced out (so an index that can answer it shows, whatever the
     * table's size), in a transaction that is rolled back, so explaining a write changes nothing.
     */
    public static String withoutSequentialScans(TransactionTemplate transactions, JdbcTemplate jdbc, String sql) {
        return transactions.execute(status -> {
            jdbc.execute("set local enable_seqscan = off");
            String plan = String.join("\n", jdbc.queryForList("explain " + sql, String.class));
            status.setRollbackOnly();
            return plan;
        });
    }
}
