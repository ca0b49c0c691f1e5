package io.activation.platform;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.postgresql.PGStatement;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Keeps PostgreSQL from running the batch look-ups of the hot paths ({@code where id = any(?)} with an array of a
 * poll's ids) on a cached generic plan.
 *
 * <p>Why: after five executions of the same SQL the JDBC driver prepares it on the server, and after five more the
 * server may switch to a generic plan, made once without the parameters (an array of unknown length is assumed to
 * hold ten elements) from the table's size at that moment. For a table that was small then (a fresh installation,
 * {@code message_requests} or {@code deliveries} early in a burst) that plan is a sequential scan, and it stays
 * cached while the table grows, until the next analyze invalidates it: a look-up of 200 ids in a table of 500,000
 * rows took 84 ms on the cached scan against 0.3 ms on the index (measured on PostgreSQL 15), and the journey
 * benchmark found such scans taking 7-13 % of the machine. A custom plan is made for the actual array, from the
 * table's current size, at a planning cost of tens of microseconds per statement, which a batch statement pays once
 * for hundreds of records.
 */
public final class CustomPlans {

    private CustomPlans() {}

    /**
     * Plans every statement of the current transaction for its actual parameters ({@code set local plan_cache_mode =
     * force_custom_plan}); ends with the transaction. Call it first in a batch transaction.
     */
    public static void forThisTransaction(JdbcTemplate jdbc) {
        JdbcTransactions.requireActive("CustomPlans.forThisTransaction");
        jdbc.execute("set local plan_cache_mode = force_custom_plan");
    }

    /**
     * Prepares {@code sql} as a statement PostgreSQL plans for its actual parameters every time it runs (never
     * prepared on the server, so never a cached generic plan); for batch statements outside a transaction, where
     * {@link #forThisTransaction} has nothing to attach to.
     */
    public static PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        if (statement.isWrapperFor(PGStatement.class)) {
            statement.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
        return statement;
    }
}
