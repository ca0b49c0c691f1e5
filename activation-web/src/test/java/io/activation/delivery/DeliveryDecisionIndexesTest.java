package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.QueryPlans;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * V19 left delivery_decisions one index and no key to message_requests: every reader of the trail still gets an
 * index plan, and a request's trail still goes with its request (a deleted contact) through the trigger that
 * replaced the key's cascade, while other requests' trails stay.
 */
class DeliveryDecisionIndexesTest extends DeliveryTestSupport {

    private String plan(String sql) {
        return QueryPlans.withoutSequentialScans(transactions, jdbc, sql);
    }

    @Test
    void everyReaderOfTheTrailUsesTheRequestIndex() {
        for (String sql : List.of(
                // DeliveryDecisions.of: the "why" trail, steps expanded (V21's view).
                "select * from delivery_trail where request_id = 1 order by id, step",
                // Arbitration.decide: the last deferral of an expired request.
                "select reason from delivery_trail where request_id = 1 and outcome = 'deferred'"
                        + " order by id desc, step desc limit 1",
                // The trigger's delete when requests are deleted.
                "delete from delivery_decisions d using (select unnest('{1,2}'::bigint[]) as id) g"
                        + " where d.request_id = g.id")) {
            assertThat(plan(sql)).as(sql).contains("delivery_decisions_request_idx").doesNotContain("Seq Scan");
        }
        assertThat(jdbc.queryForList("select indexname from pg_indexes where tablename = 'delivery_decisions'",
                String.class)).containsExactly("delivery_decisions_request_idx");
    }

    @Test
    void aDeletedContactsTrailGoesWithItsRequestsAndOtherTrailsStay() {
        String granted = unique("forget");
        long sent = contact(granted, "{\"email\": \"" + granted + "@example.com\"}");
        consent(granted, "email", "marketing", "granted");
        String none = unique("forget-skip");
        long skipped = contact(none, "{\"email\": \"" + none + "@example.com\"}");
        String kept = unique("forget-kept");
        long other = contact(kept, "{\"email\": \"" + kept + "@example.com\"}");
        long dispatchedId = unpublishedRequest(sent);
        long skippedId = unpublishedRequest(skipped);
        long keptId = unpublishedRequest(other);
        arbitration.arriveAll(List.of(dispatchedId, skippedId, keptId));
        assertThat(status(dispatchedId)).isEqualTo("dispatched");
        assertThat(status(skippedId)).isEqualTo("skipped");
        assertThat(steps(dispatchedId)).startsWith("consent/email/passed", "suppression/email/passed",
                "address/email/passed", "cap/email/passed", "channel/email/chosen");
        // V21: arbitration's five steps of the dispatch are one row, the skip's two another.
        assertThat(rows(dispatchedId)).isEqualTo(1);
        assertThat(rows(skippedId)).isEqualTo(1);
        int keptTrail = decisions(keptId);
        assertThat(keptTrail).isPositive();

        jdbc.update("delete from contacts where id = any(?)", (Object) new Long[] {sent, skipped});

        assertThat(decisions(dispatchedId)).isZero();
        assertThat(decisions(skippedId)).isZero();
        assertThat(decisions(keptId)).isEqualTo(keptTrail);
    }

    private int decisions(long requestId) {
        return jdbc.queryForObject("select count(*) from delivery_trail where request_id = ?", Integer.class,
                requestId);
    }

    private int rows(long requestId) {
        return jdbc.queryForObject("""
                select count(*) from delivery_decisions where request_id = ?
                  and stage not in ('send', 'status')""", Integer.class, requestId);
    }
}
