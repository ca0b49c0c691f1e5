package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import io.activation.testing.QueryPlans;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every reader of message_requests by contact can use an index (V18 replaced two contact indexes by one on
 * (contact_id, decided_at)): with sequential scans priced out, no plan of these statements scans the table.
 */
class MessageRequestIndexesTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    TransactionTemplate transactions;

    private String plan(String sql) {
        return QueryPlans.withoutSequentialScans(transactions, jdbc, sql);
    }

    @Test
    void arbitrationFindsAContactsUndecidedRequestsThroughTheContactIndex() {
        for (String sql : List.of(
                // Arbitration.decideDueAll: the due contacts, then their competing requests.
                "select distinct contact_id from message_requests where contact_id = any('{1,2,3}'::bigint[])"
                        + " and decided_at is null and decide_at <= now()",
                "select id from message_requests where contact_id = any('{1,2,3}'::bigint[]) and decided_at is null"
                        + " and (decide_at <= now() or status = 'pending')"
                        + " order by contact_id, priority desc, id for update skip locked")) {
            // Either index answers it without a scan: the contact index with "decided_at is null" as an index
            // condition, or (the first statement, when few requests are put off) the partial due index, whose
            // predicate implies "decided_at is null". Which one depends on the table's statistics, which the other
            // tests of the shared context move, so the test pins the property, not the planner's choice.
            String plan = plan(sql);
            assertThat(plan).as(sql).containsAnyOf("message_requests_contact_decided_idx",
                    "message_requests_decide_idx").doesNotContain("Seq Scan");
            if (plan.contains("message_requests_contact_decided_idx")) {
                assertThat(plan).as(sql).contains("decided_at IS NULL");
            }
        }
    }

    @Test
    void aContactsRequestsAreFoundThroughTheContactIndex() {
        for (String sql : List.of(
                "select id from message_requests where contact_id = 1 order by id desc limit 20",
                "update message_requests set contact_id = 2 where contact_id = 1",
                "delete from message_requests where contact_id = 1")) {
            assertThat(plan(sql)).as(sql).contains("message_requests_contact_decided_idx").doesNotContain("Seq Scan");
        }
    }

    @Test
    void theArbitrationPollerStillReadsTheDueIndexThatHoldsOnlyPutOffRequests() {
        // ArbitrationPoller.pollOnce, with its parameter as a prepared statement sends it.
        String plan = transactions.execute(status -> {
            jdbc.execute("set local enable_seqscan = off");
            jdbc.execute("set local plan_cache_mode = force_generic_plan");
            jdbc.execute("prepare due_contacts(timestamptz, int) as select contact_id from message_requests"
                    + " where decided_at is null and decide_at <= $1 group by contact_id order by min(decide_at)"
                    + " limit $2");
            String p = String.join("\n", jdbc.queryForList("explain execute due_contacts(now(), 100)",
                    String.class));
            jdbc.execute("deallocate due_contacts");
            status.setRollbackOnly();
            return p;
        });
        assertThat(plan).contains("message_requests_decide_idx").doesNotContain("Seq Scan");
        assertThat(jdbc.queryForObject("select pg_get_indexdef('message_requests_decide_idx'::regclass)",
                String.class)).contains("decide_at IS NOT NULL");
    }
}
