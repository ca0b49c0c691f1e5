package io.activation.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The full refresh's plans ({@link Targeting#explainRefresh}): both statements run for real under EXPLAIN ANALYZE,
 * in a transaction that is rolled back, so the membership, the count and the refresh time stay as they were; the
 * refresh after it still finds and applies the change.
 */
class RefreshExplainTest extends ApiTest {

    @Autowired
    Targeting targeting;

    @Test
    void explainingARefreshChangesNothingAndTheRefreshAfterItStillApplies() {
        String p = unique("explain");
        clock.set(Instant.parse("2026-03-09T12:00:00Z"));
        put("/api/v1/contacts/" + p + "-a", "{\"birthDate\": \"1991-03-10\", \"timeZone\": \"Europe/Amsterdam\"}")
                .expect(201);
        JsonNode segment = post("/api/v1/segments", "{\"name\": \"" + unique("explained") + "\", \"rule\": {\"and\": ["
                + "{\"attribute\": \"external_id\", \"op\": \"starts_with\", \"value\": \"" + p + "-\"},"
                + " {\"attribute\": \"birthDate\", \"op\": \"anniversary\"}]}}").expect(201).json();
        long id = segment.get("id").longValue();
        assertThat(segment.get("memberCount").longValue()).isZero();

        clock.set(Instant.parse("2026-03-09T23:30:00Z")); // 10 March 00:30 in Amsterdam: the contact now matches
        List<String> plan = targeting.explainRefresh(id);
        assertThat(plan).anyMatch(l -> l.startsWith("-- evaluation: create temporary table"));
        assertThat(plan).anyMatch(l -> l.startsWith("-- diff: "));
        assertThat(plan).anyMatch(l -> l.contains("Insert on segment_memberships") && l.contains("actual"));
        JsonNode after = get("/api/v1/segments/" + id).json();
        assertThat(after.get("memberCount").longValue()).isZero();
        assertThat(after.get("refreshedAt").stringValue()).isEqualTo(segment.get("refreshedAt").stringValue());
        assertThat(get("/api/v1/segments/" + id + "/members").json().get("items")).isEmpty();

        JsonNode refreshed = post("/api/v1/segments/" + id + "/refresh", null).expect(200).json();
        assertThat(refreshed.get("entered").intValue()).isEqualTo(1);
        assertThat(refreshed.get("memberCount").longValue()).isEqualTo(1);
        assertThat(get("/api/v1/segments/" + id).json().get("refreshedAt").stringValue())
                .isEqualTo("2026-03-09T23:30:00Z");
    }
}
