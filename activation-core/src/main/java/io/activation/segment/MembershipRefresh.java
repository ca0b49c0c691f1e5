package io.activation.segment;

import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The scheduled full refresh of every segment: rules relative to today change with time alone, and reference-table
 * changes touch contacts no event names. A transaction-scoped advisory lock lets one engine node run it at a time.
 */
@Component
@ConditionalOnRole(Role.ENGINE)
class MembershipRefresh {

    private static final int LOCK_SPACE = 0x5E6;
    private static final int REFRESH_ALL = -1;

    private final Targeting targeting;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    MembershipRefresh(Targeting targeting, JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.targeting = targeting;
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    @Scheduled(fixedDelayString = "${activation.targeting.refresh-interval:5m}",
            initialDelayString = "${activation.targeting.refresh-interval:5m}")
    void refreshAll() {
        // The lock lives as long as this outer transaction; each segment commits in its own.
        transactions.executeWithoutResult(status -> {
            Boolean mine = jdbc.queryForObject("select pg_try_advisory_xact_lock(?, ?)", Boolean.class, LOCK_SPACE,
                    REFRESH_ALL);
            if (Boolean.TRUE.equals(mine)) {
                targeting.refreshAll();
            }
        });
    }
}
