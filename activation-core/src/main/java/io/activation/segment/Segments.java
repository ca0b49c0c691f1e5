package io.activation.segment;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** The stored segment definitions. */
@Component
public class Segments {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    private static final String COLUMNS = "id, name, description, rule, dependencies, member_count, created_at,"
            + " refreshed_at";

    private final JdbcTemplate jdbc;

    Segments(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Long> idByName(String name) {
        return jdbc.queryForList("select id from segments where name = ?", Long.class, name).stream().findFirst();
    }

    public Optional<Segment> byId(long id) {
        return jdbc.query("select " + COLUMNS + " from segments where id = ?", Segments::read, id).stream()
                .findFirst();
    }

    public Optional<Segment> byName(String name) {
        return jdbc.query("select " + COLUMNS + " from segments where name = ?", Segments::read, name).stream()
                .findFirst();
    }

    public List<Segment> page(long afterId, int limit) {
        return jdbc.query("select " + COLUMNS + " from segments where id > ? order by id limit ?", Segments::read,
                afterId, limit);
    }

    List<Segment> all() {
        return jdbc.query("select " + COLUMNS + " from segments order by id", Segments::read);
    }

    long count() {
        Long n = jdbc.queryForObject("select count(*) from segments", Long.class);
        return n == null ? 0 : n;
    }

    /** Names of the segments whose rule tests membership of this one. */
    List<String> referencing(long id) {
        return jdbc.queryForList("select name from segments where ? = any(dependencies) order by name",
                String.class, "segment:" + id);
    }

    long insert(String name, String description, String ruleJson, Set<String> dependencies, Instant now) {
        GeneratedKeyHolder keys = new GeneratedKeyHolder();
        jdbc.update(connection -> {
            var ps = connection.prepareStatement("""
                    insert into segments (name, description, rule, dependencies, member_count, created_at)
                    values (?, ?, cast(? as jsonb), ?, 0, ?)""", new String[] {"id"});
            ps.setString(1, name);
            ps.setString(2, description);
            ps.setString(3, ruleJson);
            ps.setArray(4, connection.createArrayOf("text", dependencies.stream().sorted().toArray()));
            ps.setObject(5, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            return ps;
        }, keys);
        return keys.getKey().longValue();
    }

    boolean delete(long id) {
        return jdbc.update("delete from segments where id = ?", id) > 0;
    }

    void countChanged(long id, int delta) {
        if (delta != 0) {
            jdbc.update("update segments set member_count = greatest(member_count + ?, 0) where id = ?", delta, id);
        }
    }

    private static Segment read(ResultSet rs, int n) throws SQLException {
        String[] deps = (String[]) rs.getArray("dependencies").getArray();
        Timestamp refreshed = rs.getTimestamp("refreshed_at");
        return new Segment(rs.getLong("id"), rs.getString("name"), rs.getString("description"),
                JSON.readTree(rs.getString("rule")), Set.of(deps), rs.getLong("member_count"),
                rs.getTimestamp("created_at").toInstant(), refreshed == null ? null : refreshed.toInstant());
    }
}
