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
 * Every reader of message_requests by contact or by due time can use an index: with sequential scans priced out,
 * no plan of these statements scans the table. And arbitration's decision (status, decided_at, decide_at) touches
 * no indexed column, so it is a HOT update (V20): no new index entries for a decided request.
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
            // Either index answers it without a scan: the contact index (decided_at filtered on the contact's
            // rows), or (the first statement, when few requests are put off) the partial due index, whose
            // predicate is implied by "decide_at <= ...". Which one depends on the table's statistics, which the
            // other tests of the shared context move, so the test pins the property, not the planner's choice.
            assertThat(plan(sql)).as(sql).containsAnyOf("message_requests_contact_idx",
                    "message_requests_decide_idx").doesNotContain("Seq Scan");
        }
    }

    @Test
    void aContactsRequestsAreFoundThroughTheContactIndex() {
        for (String sql : List.of(
                "select id from message_requests where contact_id = 1 order by id desc limit 20",
                "update message_requests set contact_id = 2 where contact_id = 1",
                "delete from message_requests where contact_id = 1")) {
            assertThat(plan(sql)).as(sql).contains("message_requests_contact_idx").doesNotContain("Seq Scan");
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

    @Test
    void noIndexHoldsAColumnArbitrationChanges() {
        // Not as a key, an included column, an expression or a predicate (any of them makes the update non-HOT);
        // decide_at only as the due index's key and predicate, which a request decided at once leaves null.
        List<String> definitions = jdbc.queryForList(
                "select pg_get_indexdef(indexrelid) from pg_index where indrelid = 'message_requests'::regclass",
                String.class);
        assertThat(definitions).isNotEmpty().noneMatch(d -> d.contains("decided_at") || d.contains("status"));
        assertThat(definitions.stream().filter(d -> d.contains("decide_at")))
                .containsExactly(jdbc.queryForObject(
                        "select pg_get_indexdef('message_requests_decide_idx'::regclass)", String.class));
        assertThat(jdbc.queryForObject("select reloptions::text from pg_class where oid = 'message_requests'::regclass",
                String.class)).contains("fillfactor=50");
    }

    @Test
    void arbitrationsDecisionOfARequestIsAHotUpdate() {
        long[] counts = transactions.execute(status -> {
            long contact = jdbc.queryForObject("insert into contacts (external_id, created_at, updated_at)"
                    + " values ('hot-' || gen_random_uuid(), now(), now()) returning id", Long.class);
            long request = jdbc.queryForObject("""
                    insert into message_requests (dedupe_key, contact_id, channels, priority, status, created_at)
                    values ('hot-' || gen_random_uuid(), ?, '[{"channel": "email", "template": "t"}]', 0,
                        'requested', now()) returning id""", Long.class, contact);
            // Arbitration's update (Arbitration.Writes.updateStatuses), for a request decided at once.
            int updated = jdbc.update("""
                    update message_requests m set status = u.status, decided_at = now(), decide_at = u.decide_at
                    from unnest(?::bigint[], ?::varchar[], ?::timestamptz[]) as u(id, status, decide_at)
                    where m.id = u.id""", ps -> {
                ps.setArray(1, ps.getConnection().createArrayOf("bigint", new Object[] {request}));
                ps.setArray(2, ps.getConnection().createArrayOf("varchar", new Object[] {"skipped"}));
                ps.setArray(3, ps.getConnection().createArrayOf("varchar", new Object[] {null}));
            });
            long hot = jdbc.queryForObject(
                    "select pg_stat_get_xact_tuples_hot_updated('message_requests'::regclass)", Long.class);
            status.setRollbackOnly();
            return new long[] {updated, hot};
        });
        assertThat(counts).containsExactly(1, 1);
    }
}
