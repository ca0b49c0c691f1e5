package io.activation.api.segment;

import io.activation.testing.ApiTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * What the tracking API tests share: a write key sent the way Segment clients send it (HTTP Basic, the key as user
 * name, empty password) and a look at the stored events.
 */
abstract class SegmentTestSupport extends ApiTest {

    /** An event as stored. */
    record StoredEvent(String type, String occurredAt, String receivedAt, long contactId, String source,
            JsonNode properties) {}

    @Autowired
    protected JdbcTemplate jdbc;

    private String writeKey;

    /** An API key with only the ingest scope, issued on first use in a test. */
    protected String writeKey() {
        if (writeKey == null) {
            writeKey = issueKey("ingest");
        }
        return writeKey;
    }

    protected String issueKey(String scope) {
        return post("/api/v1/api-keys", "{\"name\": \"" + unique("segment") + "\", \"scopes\": [\"" + scope + "\"]}")
                .expect(201).json().get("secret").stringValue();
    }

    protected static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
    }

    /** A call as a Segment client makes it: POST, JSON, the write key as Basic user name. */
    protected Response segment(String path, String json) {
        return send("POST", path, json, null, Map.of("Authorization", basic(writeKey())));
    }

    /** The events a call with that messageId stored. */
    protected List<StoredEvent> events(String messageId) {
        return jdbc.query("""
                select type, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                       to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                       contact_id, source, properties::text
                from events where properties -> 'segment' ->> 'messageId' = ? order by occurred_at""",
                (rs, n) -> new StoredEvent(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getString(5), JSON.readTree(rs.getString(6))), messageId);
    }

    protected StoredEvent event(String messageId) {
        List<StoredEvent> found = events(messageId);
        if (found.size() != 1) {
            throw new AssertionError("Expected one event with messageId " + messageId + ", found " + found.size());
        }
        return found.get(0);
    }

    /** The events of a contact by external id, oldest first. */
    protected List<StoredEvent> eventsOf(String externalId) {
        return jdbc.query("""
                select e.type, to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                       to_char(e.received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                       e.contact_id, e.source, e.properties::text
                from events e join contacts c on c.id = e.contact_id
                where c.external_id = ? order by e.occurred_at, e.received_at""",
                (rs, n) -> new StoredEvent(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getString(5), JSON.readTree(rs.getString(6))), externalId);
    }
}
