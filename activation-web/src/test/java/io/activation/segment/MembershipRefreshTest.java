package io.activation.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** The scheduled full refresh: time alone moves contacts, and one node at a time runs it. */
class MembershipRefreshTest extends ApiTest {

    @Autowired
    MembershipRefresh refresh;

    @Autowired
    DataSource dataSource;

    @Test
    void theScheduledRefreshMovesContactsWhoseRuleChangesWithTimeAloneOnOneNodeAtATime() throws Exception {
        String p = unique("sched");
        clock.set(Instant.parse("2026-07-14T12:00:00Z"));
        put("/api/v1/contacts/" + p + "-a", "{\"birthDate\": \"1990-07-15\", \"timeZone\": \"Europe/Paris\"}")
                .expect(201);
        long a = get("/api/v1/contacts/" + p + "-a").json().get("id").longValue();
        JsonNode segment = post("/api/v1/segments", "{\"name\": \"" + unique("birthday") + "\", \"rule\": {\"and\": ["
                + "{\"attribute\": \"external_id\", \"op\": \"starts_with\", \"value\": \"" + p + "-\"},"
                + " {\"attribute\": \"birthDate\", \"op\": \"anniversary\"}]}}").expect(201).json();
        long id = segment.get("id").longValue();
        assertThat(segment.get("memberCount").longValue()).isZero();

        clock.set(Instant.parse("2026-07-14T22:30:00Z")); // 15 July 00:30 in Paris
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            // Another node holds the refresh lock: this one skips its turn.
            try (Connection other = dataSource.getConnection()) {
                other.setAutoCommit(false);
                try (PreparedStatement lock = other.prepareStatement("select pg_try_advisory_xact_lock(?, ?)")) {
                    lock.setInt(1, 0x5E6);
                    lock.setInt(2, -1);
                    try (ResultSet rs = lock.executeQuery()) {
                        rs.next();
                        assertThat(rs.getBoolean(1)).isTrue();
                    }
                }
                refresh.refreshAll();
                // Judged by the refresh time, not the count: the incremental listener may meanwhile evaluate the
                // new contact under the moved clock and add it on its own.
                assertThat(get("/api/v1/segments/" + id).json().get("refreshedAt").stringValue())
                        .isEqualTo(segment.get("refreshedAt").stringValue());
                other.rollback();
            }
            refresh.refreshAll();
            JsonNode refreshed = get("/api/v1/segments/" + id).json();
            assertThat(refreshed.get("refreshedAt").stringValue()).isEqualTo("2026-07-14T22:30:00Z");
            assertThat(refreshed.get("memberCount").longValue()).isEqualTo(1);
            consumeUntil(consumer, seen -> seen.stream().map(ApiTest::value).anyMatch(e ->
                    e.get("type").stringValue().equals("io.activation.segment.entered")
                            && e.at("/data/segmentId").longValue() == id && e.at("/data/contactId").longValue() == a),
                    Duration.ofSeconds(20));
        }
        clock.advance(Duration.ofDays(1));
        refresh.refreshAll();
        assertThat(get("/api/v1/segments/" + id).json().get("memberCount").longValue()).isZero();
        assertThat(get("/api/v1/segments/" + id).json().get("refreshedAt").stringValue())
                .isEqualTo("2026-07-15T22:30:00Z");
    }
}
