package io.activation.segment.value;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The scheduled paths (called directly, not waited for): decay across all scores, RFM across all models. */
class ScheduledRecomputeTest extends ApiTest {

    @Autowired
    Scores scores;

    @Autowired
    Rfm rfm;

    @Autowired
    DataSource dataSource;

    @Test
    void scheduledDecaySkipsWhileAnotherNodeHoldsTheLockAndAppliesAfterwards() throws Exception {
        String score = unique("sched");
        post("/api/v1/scores", """
                {"name": "%s", "rules": [{"event": "%s", "points": 1}], "decay": {"halfLifeDays": 5}}"""
                .formatted(score, unique("never"))).expect(201);
        String id = unique("c");
        put("/api/v1/contacts/" + id, "{}").expect(201);
        post("/api/v1/scores/" + score + "/contacts/" + id + "/points", "{\"points\": 40, \"key\": \"k\"}")
                .expect(200);
        clock.advance(Duration.ofDays(10));
        try (Connection other = dataSource.getConnection(); Statement st = other.createStatement()) {
            st.execute("select pg_advisory_lock(hashtext('scores:decay'))");
            scores.decayAll();
            assertThat(value(id, score)).isEqualByComparingTo("40");
            st.execute("select pg_advisory_unlock(hashtext('scores:decay'))");
        }
        scores.decayAll();
        assertThat(value(id, score)).isEqualByComparingTo("10");
        // The lock was released: a second run works too (nothing left to change).
        clock.advance(Duration.ofDays(5));
        scores.decayAll();
        assertThat(value(id, score)).isEqualByComparingTo("5");
    }

    @Test
    void scheduledRfmComputesEveryModelWithTodayAsReference() {
        clock.set(Instant.parse("2025-03-10T12:00:00Z"));
        String orders = defineTable("""
                {"name": "%s", "kind": "INTERACTION", "businessKey": "order_no",
                 "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "ordered_at", "type": "DATE"},
                                {"name": "total", "type": "DECIMAL"}]}""".formatted(unique("orders")));
        String id = unique("c");
        post("/api/v1/tables/" + orders + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"order_no": "%s", "ordered_at": "2025-03-01",
                 "total": 12.5}}""".formatted(id, id)).expect(201);
        String model = unique("m");
        post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "ordered_at", "amountColumn": "total"}"""
                .formatted(model, orders)).expect(201);
        rfm.recomputeAll();
        assertThat(rfm.lastComputed(model)).hasValueSatisfying(c -> {
            assertThat(c.referenceDate()).hasToString("2025-03-10");
            assertThat(c.contacts()).isEqualTo(1);
        });
        var s = get("/api/v1/rfm-models/" + model + "/contacts/" + id).expect(200).json();
        assertThat(s.get("recencyDays").intValue()).isEqualTo(9);
        assertThat(s.get("rfm").stringValue()).isEqualTo("111");
        assertThat(s.get("group").stringValue()).isEqualTo("Lost");
    }

    private BigDecimal value(String externalId, String score) {
        return get("/api/v1/contacts/" + externalId).expect(200).json().at("/attributes/score_" + score)
                .decimalValue();
    }
}
