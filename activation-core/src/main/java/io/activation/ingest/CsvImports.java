package io.activation.ingest;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code imports} table. Heartbeats compare with the database's clock, not the application's: they say
 * whether a node is alive, which no test clock should bend.
 */
@Repository
class CsvImports {

    private static final String COLUMNS = "id, target_table, status, file_name, size_bytes, records, mapping, options,"
            + " lines_read, rows_created, rows_updated, rows_unchanged, rows_rejected, rows_skipped, warnings, errors,"
            + " warning_kinds, message, created_by, created_at, started_at, finished_at";

    private final JdbcTemplate jdbc;
    private final JsonMapper json = JsonMapper.builder().build();

    CsvImports(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void create(UUID id, String table, String fileName, long sizeBytes, long records, JsonNode mapping,
            JsonNode options, String createdBy, Instant createdAt) {
        jdbc.update("insert into imports (id, target_table, status, file_name, size_bytes, records, mapping, options,"
                + " created_by, created_at, heartbeat_at) values (?, ?, 'QUEUED', ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?,"
                + " now())", id, table, fileName, sizeBytes, records, json.writeValueAsString(mapping),
                json.writeValueAsString(options), createdBy, at(createdAt));
    }

    void started(UUID id, Instant at) {
        jdbc.update("update imports set status = 'RUNNING', started_at = ?, heartbeat_at = now() where id = ?",
                at(at), id);
    }

    /** Records progress; called in the transaction of the chunk it counts. */
    void progress(UUID id, ImportCounters counters, List<LineError> errors, List<ImportWarning> warnings) {
        jdbc.update("update imports set lines_read = ?, rows_created = ?, rows_updated = ?, rows_unchanged = ?,"
                + " rows_rejected = ?, rows_skipped = ?, warnings = ?, errors = ?::jsonb, warning_kinds = ?::jsonb,"
                + " heartbeat_at = now() where id = ?", counters.linesRead(), counters.rowsCreated(),
                counters.rowsUpdated(), counters.rowsUnchanged(), counters.rowsRejected(), counters.rowsSkipped(),
                counters.warnings(), json.writeValueAsString(errors), json.writeValueAsString(warnings), id);
    }

    void finished(UUID id, ImportStatus status, String message, Instant at) {
        jdbc.update("update imports set status = ?, message = ?, finished_at = ?, heartbeat_at = now() where id = ?",
                status.name(), message, at(at), id);
    }

    Optional<CsvImport> find(UUID id) {
        return jdbc.query("select " + COLUMNS + " from imports where id = ?", this::read, id).stream().findFirst();
    }

    List<CsvImport> recent(String table, int limit) {
        if (table == null) {
            return jdbc.query("select " + COLUMNS + " from imports order by created_at desc, id limit ?", this::read,
                    limit);
        }
        return jdbc.query("select " + COLUMNS + " from imports where target_table = ? order by created_at desc, id"
                + " limit ?", this::read, table, limit);
    }

    /** Tells that this node still works on these imports. */
    void heartbeat(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return;
        }
        jdbc.update(connection -> {
            var ps = connection.prepareStatement("update imports set heartbeat_at = now() where id = any(?)"
                    + " and status in ('QUEUED', 'RUNNING')");
            ps.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
            return ps;
        });
    }

    /** Marks failed the unfinished imports no node has reported on for that long; how many. */
    int failStale(Duration after, String message, Instant at) {
        return jdbc.update("update imports set status = 'FAILED', message = ?, finished_at = ? where status in"
                + " ('QUEUED', 'RUNNING') and heartbeat_at < now() - make_interval(secs => ?)", message, at(at),
                (double) after.toSeconds());
    }

    private CsvImport read(ResultSet rs, int row) throws SQLException {
        return new CsvImport(rs.getObject("id", UUID.class), rs.getString("target_table"),
                ImportStatus.valueOf(rs.getString("status")), rs.getString("file_name"), rs.getLong("size_bytes"),
                rs.getLong("records"), json.readTree(rs.getString("mapping")), json.readTree(rs.getString("options")),
                new ImportCounters(rs.getLong("lines_read"), rs.getLong("rows_created"), rs.getLong("rows_updated"),
                        rs.getLong("rows_unchanged"), rs.getLong("rows_rejected"), rs.getLong("rows_skipped"),
                        rs.getLong("warnings")),
                json.readValue(rs.getString("errors"), new TypeReference<List<LineError>>() {}),
                json.readValue(rs.getString("warning_kinds"), new TypeReference<List<ImportWarning>>() {}),
                rs.getString("message"), rs.getString("created_by"), instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("started_at")), instant(rs.getTimestamp("finished_at")));
    }

    private static OffsetDateTime at(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
