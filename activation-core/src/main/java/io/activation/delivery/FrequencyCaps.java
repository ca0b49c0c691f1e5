package io.activation.delivery;

import io.activation.platform.ConflictException;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;

/**
 * The frequency caps (configured through the API) and the policy that checks them: a cap counts the contact's
 * marketing requests that became deliveries (distinct request ids, so a fallback to another channel is still one
 * message) created within its sliding window. Callers serialise checks per contact (arbitration holds the contact's
 * advisory lock), so two decisions cannot both take the last slot.
 */
@Service
public class FrequencyCaps {

    private static final Set<String> FIELDS = Set.of("name", "scope", "channel", "scenarioId", "max", "window");
    private static final Set<String> CHANNELS = Set.of("email", "sms", "push", "wallet", "print", "webhook");

    /** A cap that blocks: how many it counted and when the next slot frees (null: never, a cap of 0). */
    record Blocked(FrequencyCap cap, int counted, Instant freeAt) {}

    private final JdbcTemplate jdbc;
    private final Clock clock;

    FrequencyCaps(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** What {@link #list} reads, mapped by {@link #map}. */
    static final String SELECT_ALL = "select * from frequency_caps order by id";

    public List<FrequencyCap> list() {
        return jdbc.query(SELECT_ALL, FrequencyCaps::map);
    }

    public FrequencyCap get(long id) {
        return jdbc.query("select * from frequency_caps where id = ?", FrequencyCaps::map, id).stream().findFirst()
                .orElseThrow(() -> new NotFoundException("id", "There is no frequency cap " + id));
    }

    /** Creates a cap from {@code {name, scope, channel?, scenarioId?, max, window}}. */
    @Transactional
    public FrequencyCap create(JsonNode body) {
        FrequencyCap cap = parse(body, 0);
        Timestamp now = Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS));
        try {
            long id = jdbc.queryForObject("""
                    insert into frequency_caps (name, scope, channel, scenario_id, max_messages, window_seconds,
                        created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?) returning id""", Long.class,
                    cap.name(), cap.scope().code(), cap.channel(), cap.scenarioId(), cap.maxMessages(),
                    cap.window().toSeconds(), now, now);
            return get(id);
        } catch (DuplicateKeyException e) {
            throw new ConflictException("frequency-cap-exists", "name", "A frequency cap named '" + cap.name()
                    + "' exists already");
        }
    }

    /** Replaces a cap's settings (same body as create). */
    @Transactional
    public FrequencyCap update(long id, JsonNode body) {
        get(id);
        FrequencyCap cap = parse(body, id);
        try {
            jdbc.update("""
                    update frequency_caps set name = ?, scope = ?, channel = ?, scenario_id = ?, max_messages = ?,
                        window_seconds = ?, updated_at = ? where id = ?""", cap.name(), cap.scope().code(),
                    cap.channel(), cap.scenarioId(), cap.maxMessages(), cap.window().toSeconds(),
                    Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)), id);
        } catch (DuplicateKeyException e) {
            throw new ConflictException("frequency-cap-exists", "name", "A frequency cap named '" + cap.name()
                    + "' exists already");
        }
        return get(id);
    }

    @Transactional
    public void delete(long id) {
        if (jdbc.update("delete from frequency_caps where id = ?", id) == 0) {
            throw new NotFoundException("id", "There is no frequency cap " + id);
        }
    }

    /** Whether some of the caps applies to a marketing request with these channels (it then waits in the window). */
    static boolean anyApplies(List<FrequencyCap> caps, List<String> channels, Long scenarioId) {
        return caps.stream().anyMatch(c -> c.appliesToAny(channels, scenarioId));
    }

    /** A marketing delivery a cap counts: of which request, on which channel and scenario, created when. */
    record Sent(long requestId, String channel, Long scenarioId, Instant at) {}

    /**
     * The marketing deliveries of the contacts that the longest of the caps can still count at {@code now}, oldest
     * first, per contact (none are read when there are no caps). A delivery that ended without reaching the contact
     * (failed, bounced, dead) is not counted: it took no one's attention; one queued, being sent or in doubt is.
     * Read under the contacts' locks, so the counts are exact while the caller decides.
     */
    Map<Long, List<Sent>> history(Collection<Long> contactIds, List<FrequencyCap> caps, Instant now) {
        Map<Long, List<Sent>> history = new HashMap<>();
        if (caps.isEmpty() || contactIds.isEmpty()) {
            return history;
        }
        Duration longest = caps.stream().map(FrequencyCap::window).max(Duration::compareTo).orElseThrow();
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement("""
                    select contact_id, request_id, channel, scenario_id, created_at from deliveries
                    where contact_id = any(?) and purpose = 'marketing' and created_at > ?
                      and status not in ('failed', 'bounced', 'dead') order by created_at, id""");
            ps.setArray(1, connection.createArrayOf("bigint", contactIds.toArray()));
            ps.setTimestamp(2, Timestamp.from(now.minus(longest)));
            return ps;
        }, rs -> {
            history.computeIfAbsent(rs.getLong(1), c -> new ArrayList<>()).add(new Sent(rs.getLong(2),
                    rs.getString(3), (Long) rs.getObject(4), rs.getTimestamp(5).toInstant()));
        });
        return history;
    }

    /**
     * The caps that block one more marketing message on {@code channel} for a contact whose counted deliveries are
     * {@code sent} (see {@link #history}). The request itself ({@code requestId}) is not counted. With
     * {@code channelCapsOnly} (a fallback: the request holds its slot in the other caps already) only the caps of
     * that channel are checked.
     */
    static List<Blocked> blocking(List<FrequencyCap> caps, List<Sent> sent, String channel, Long scenarioId,
            long requestId, Instant now, boolean channelCapsOnly) {
        List<Blocked> blocked = new ArrayList<>();
        for (FrequencyCap cap : caps) {
            if (!cap.applies(channel, scenarioId) || channelCapsOnly && cap.scope() != FrequencyCap.Scope.CHANNEL) {
                continue;
            }
            Instant from = now.minus(cap.window());
            // Distinct requests (a fallback to another channel is still one message), each at its first delivery.
            Map<Long, Instant> firstOf = new HashMap<>();
            for (Sent s : sent) {
                if (s.requestId() == requestId || !s.at().isAfter(from)
                        || cap.scope() == FrequencyCap.Scope.CHANNEL && !cap.channel().equals(s.channel())
                        || cap.scope() == FrequencyCap.Scope.SCENARIO && !Objects.equals(scenarioId, s.scenarioId())) {
                    continue;
                }
                firstOf.merge(s.requestId(), s.at(), (a, b) -> a.isBefore(b) ? a : b);
            }
            List<Instant> firsts = firstOf.values().stream().sorted().toList();
            if (firsts.size() >= cap.maxMessages()) {
                // The slot frees when enough of the counted messages have left the window.
                Instant freeAt = cap.maxMessages() == 0 ? null
                        : firsts.get(firsts.size() - cap.maxMessages()).plus(cap.window());
                blocked.add(new Blocked(cap, firsts.size(), freeAt));
            }
        }
        return blocked;
    }

    private FrequencyCap parse(JsonNode body, long id) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object: {name, scope, channel?, scenarioId?, max,"
                    + " window}");
        }
        List<FieldError> errors = new ArrayList<>();
        for (String field : body.propertyNames()) {
            if (!FIELDS.contains(field)) {
                errors.add(new FieldError(field, "is not a field of a frequency cap: " + FIELDS.stream().sorted()
                        .toList()));
            }
        }
        String name = text(body, "name");
        if (name == null || name.length() > 100) {
            errors.add(new FieldError("name", "is required: 1 to 100 characters"));
        }
        FrequencyCap.Scope scope = null;
        String s = text(body, "scope");
        if (s == null || !Set.of("global", "channel", "scenario").contains(s)) {
            errors.add(new FieldError("scope", "must be global, channel or scenario"));
        } else {
            scope = FrequencyCap.Scope.valueOf(s.toUpperCase(Locale.ROOT));
        }
        String channel = text(body, "channel");
        if (scope == FrequencyCap.Scope.CHANNEL) {
            if (channel == null || !CHANNELS.contains(channel)) {
                errors.add(new FieldError("channel", "is required for scope channel: one of " + CHANNELS.stream()
                        .sorted().toList()));
            }
        } else if (body.has("channel") && !body.get("channel").isNull()) {
            errors.add(new FieldError("channel", "is only for scope channel"));
            channel = null;
        } else {
            channel = null;
        }
        Long scenarioId = null;
        JsonNode sc = body.get("scenarioId");
        if (sc != null && !sc.isNull()) {
            if (scope != FrequencyCap.Scope.SCENARIO) {
                errors.add(new FieldError("scenarioId", "is only for scope scenario"));
            } else if (!sc.isIntegralNumber() || sc.asLong() < 1) {
                errors.add(new FieldError("scenarioId", "must be a scenario id"));
            } else {
                scenarioId = sc.asLong();
            }
        }
        int max = 0;
        JsonNode m = body.get("max");
        if (m == null || !m.isIntegralNumber() || m.asLong() < 0 || m.asLong() > 10_000) {
            errors.add(new FieldError("max", "is required: an integer from 0 to 10000"));
        } else {
            max = m.asInt();
        }
        Duration window = null;
        String w = text(body, "window");
        if (w == null) {
            errors.add(new FieldError("window", "is required: an ISO-8601 duration such as P7D or PT24H"));
        } else {
            try {
                window = Duration.parse(w);
                if (window.toSeconds() < 1 || window.compareTo(Duration.ofDays(366)) > 0) {
                    errors.add(new FieldError("window", "must be from 1 second to 366 days"));
                }
            } catch (DateTimeParseException e) {
                errors.add(new FieldError("window", "'" + w + "' is not an ISO-8601 duration such as P7D or PT24H"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new FrequencyCap(id, name, scope, channel, scenarioId, max, window, null, null);
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n != null && n.isString() && !n.asString().isBlank() ? n.asString().trim() : null;
    }

    static FrequencyCap map(ResultSet rs, int n) throws SQLException {
        return new FrequencyCap(rs.getLong("id"), rs.getString("name"),
                FrequencyCap.Scope.valueOf(rs.getString("scope").toUpperCase(Locale.ROOT)), rs.getString("channel"),
                (Long) rs.getObject("scenario_id"), rs.getInt("max_messages"),
                Duration.ofSeconds(rs.getLong("window_seconds")), rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }
}
