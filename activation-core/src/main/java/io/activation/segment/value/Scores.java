package io.activation.segment.value;

import io.activation.datamodel.AttributeSpec;
import io.activation.datamodel.AttributeType;
import io.activation.datamodel.DataModel;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Ingestion;
import io.activation.ingest.Outbox;
import io.activation.ingest.OutboxMessage;
import io.activation.platform.ConflictException;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Behaviour scores. Points go into a ledger ({@code score_points}) under a dedupe key, so the same source event
 * never counts twice (a Kafka replay, a retried journey step). A score's value is
 * {@code Σ points × 0.5^(age in days / half-life)} over its ledger rows (without decay: the plain sum), rounded to
 * two decimals, and is stored in the contact attribute {@code score_<name>} through {@link Ingestion}, so the
 * change is published like any contact update and segments and templates read it like any attribute. When the
 * value reaches a threshold it was below, {@value #THRESHOLD_REACHED} is published in the same transaction; falling
 * below the threshold again re-arms it.
 */
@Service
public class Scores {

    public static final String THRESHOLD_REACHED = "io.activation.score.threshold-reached";
    static final String ORIGIN = "scores";

    private static final Logger log = LoggerFactory.getLogger(Scores.class);
    private static final Duration CACHE_AGE = Duration.ofSeconds(5);

    private final JdbcTemplate jdbc;
    private final DataModel dataModel;
    private final TableCatalog catalog;
    private final Ingestion ingestion;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();
    private final AtomicReference<Cached> cache = new AtomicReference<>();

    private record Cached(List<ScoreDefinition> definitions, long loadedAt) {}

    Scores(JdbcTemplate jdbc, DataModel dataModel, TableCatalog catalog, Ingestion ingestion, Outbox outbox,
            ChangeEvents events, TransactionTemplate transactions, Clock clock) {
        this.jdbc = jdbc;
        this.dataModel = dataModel;
        this.catalog = catalog;
        this.ingestion = ingestion;
        this.outbox = outbox;
        this.events = events;
        this.transactions = transactions;
        this.clock = clock;
    }

    /** Defines a score and its contact attribute {@code score_<name>} (DECIMAL). */
    public ScoreDefinition define(JsonNode body) {
        ScoreDefinition definition = ScoreDefinition.parse(body);
        for (int i = 0; i < definition.rules().size(); i++) {
            ScoreDefinition.Rule rule = definition.rules().get(i);
            if (rule.table() != null) {
                TableSchema table;
                try {
                    table = catalog.schema(rule.table(), "rules[" + i + "].table");
                } catch (NotFoundException e) {
                    throw new InvalidInputException("rules[" + i + "].table", e.getMessage());
                }
                if (!table.belongsToContact()) {
                    throw new InvalidInputException("rules[" + i + "].table", "rows of '" + table.name()
                            + "' belong to no contact");
                }
            }
        }
        if (find(definition.name()).isPresent()) {
            throw new ConflictException("score-exists", "name", "A score '" + definition.name() + "' already exists");
        }
        Optional<TableSchema.Column> column = catalog.contacts().column(definition.attribute());
        if (column.isPresent() && column.get().type() != AttributeType.DECIMAL) {
            throw new ConflictException("attribute-exists", "name", "The contact attribute '"
                    + definition.attribute() + "' exists and is not DECIMAL");
        }
        if (column.isEmpty()) {
            dataModel.addAttribute("contacts", new AttributeSpec(definition.attribute(), AttributeType.DECIMAL, false,
                    List.of(), null));
        }
        try {
            jdbc.update("insert into score_definitions (name, definition, created_at) values (?, ?::jsonb, ?)",
                    definition.name(), json.writeValueAsString(definition.toJson()), Timestamp.from(clock.instant()));
        } catch (org.springframework.dao.DuplicateKeyException e) {
            throw new ConflictException("score-exists", "name", "A score '" + definition.name() + "' already exists");
        }
        cache.set(null);
        return definition;
    }

    public List<ScoreDefinition> list() {
        return jdbc.query("select definition::text from score_definitions order by name",
                (rs, n) -> ScoreDefinition.parse(strip(json.readTree(rs.getString(1)))));
    }

    public Optional<ScoreDefinition> find(String name) {
        return jdbc.query("select definition::text from score_definitions where name = ?",
                (rs, n) -> ScoreDefinition.parse(strip(json.readTree(rs.getString(1)))), name).stream().findFirst();
    }

    public ScoreDefinition definition(String name) {
        return find(name).orElseThrow(() -> new NotFoundException("name", "There is no score '" + name + "'"));
    }

    /** The stored JSON carries the derived attribute name, which is not an input field. */
    private static JsonNode strip(JsonNode stored) {
        ObjectNode copy = ((ObjectNode) stored).deepCopy();
        copy.remove("attribute");
        return copy;
    }

    /** Definitions as the rule consumer sees them: cached for a few seconds, dropped at once on a local define. */
    List<ScoreDefinition> definitions() {
        Cached c = cache.get();
        if (c == null || System.nanoTime() - c.loadedAt() > CACHE_AGE.toNanos()) {
            c = new Cached(list(), System.nanoTime());
            cache.set(c);
        }
        return c.definitions();
    }

    /**
     * Adds points to a contact's score, once per {@code dedupeKey} (a second call with the same key changes
     * nothing). The journey engine's "score" step calls this with a key of instance + step.
     *
     * @return the score's value after the call
     */
    @Transactional
    public BigDecimal add(long contactId, String score, BigDecimal points, String dedupeKey) {
        return add(contactId, score, points, dedupeKey, clock.instant());
    }

    /** As {@link #add(long, String, BigDecimal, String)}, the points counting from {@code awardedAt} for decay. */
    @Transactional
    public BigDecimal add(long contactId, String score, BigDecimal points, String dedupeKey, Instant awardedAt) {
        ScoreDefinition definition = definition(score);
        if (points == null) {
            throw new InvalidInputException("points", "is required");
        }
        if (dedupeKey == null || dedupeKey.isBlank() || dedupeKey.length() > 300) {
            throw new InvalidInputException("key", "is required: 1 to 300 characters that identify the cause");
        }
        BigDecimal before = lockedValue(contactId, definition);
        int inserted = jdbc.update("""
                insert into score_points (score, contact_id, dedupe_key, points, awarded_at) values (?, ?, ?, ?, ?)
                on conflict (score, dedupe_key) do nothing""", score, contactId, dedupeKey, points,
                Timestamp.from(awardedAt.truncatedTo(ChronoUnit.MICROS)));
        if (inserted == 0) {
            return before == null ? BigDecimal.ZERO.setScale(2) : before;
        }
        BigDecimal after = computed(contactId, definition);
        store(contactId, definition, before, after, dedupeKey);
        return after;
    }

    /** The score's stored value for the contact (zero when it never earned points). */
    @Transactional(readOnly = true)
    public BigDecimal valueOf(long contactId, String score) {
        ScoreDefinition definition = definition(score);
        List<BigDecimal> v = jdbc.queryForList("select " + column(definition) + " from contacts where id = ?",
                BigDecimal.class, contactId);
        if (v.isEmpty()) {
            throw new NotFoundException("contactId", "There is no contact " + contactId);
        }
        return v.get(0) == null ? BigDecimal.ZERO.setScale(2) : v.get(0);
    }

    /** One ledger row. */
    public record Points(String dedupeKey, BigDecimal points, Instant awardedAt) {}

    /** The contact's most recent ledger rows of a score, newest first. */
    @Transactional(readOnly = true)
    public List<Points> ledger(long contactId, String score, int limit) {
        definition(score);
        return jdbc.query("""
                select dedupe_key, points, awarded_at from score_points where score = ? and contact_id = ?
                order by awarded_at desc, dedupe_key limit ?""", (rs, n) -> new Points(rs.getString(1),
                rs.getBigDecimal(2), rs.getTimestamp(3).toInstant()), score, contactId, limit);
    }

    /**
     * Applies the decay of one score to every contact holding points: recomputes the values set-based and writes
     * the ones that changed (in transactions of 500 contacts). Returns how many contacts changed.
     */
    public int recompute(String score) {
        ScoreDefinition definition = definition(score);
        Instant now = clock.instant();
        List<Object[]> changed = jdbc.query("""
                select p.contact_id, %s as value, c.%s as current
                from score_points p join contacts c on c.id = p.contact_id
                where p.score = ?
                group by p.contact_id, c.%s
                having %s is distinct from c.%s""".formatted(valueSql(definition), column(definition),
                column(definition), valueSql(definition), column(definition)),
                (rs, n) -> new Object[] {rs.getLong(1), rs.getBigDecimal(2), rs.getBigDecimal(3)},
                concat(decayArgs(definition, now), List.of(score), decayArgs(definition, now)));
        for (int from = 0; from < changed.size(); from += 500) {
            List<Object[]> chunk = changed.subList(from, Math.min(changed.size(), from + 500));
            transactions.executeWithoutResult(status -> {
                for (Object[] row : chunk) {
                    long contactId = (Long) row[0];
                    BigDecimal before = lockedValue(contactId, definition);
                    BigDecimal after = computed(contactId, definition);
                    store(contactId, definition, before, after, "decay:" + now);
                }
            });
        }
        return changed.size();
    }

    /**
     * The scheduled decay of every score that has one. A session advisory lock, taken and released on one held
     * connection (the pool would hand the unlock to another), keeps it to one node at a time.
     */
    @Scheduled(fixedDelayString = "${activation.value.score-decay-interval:PT1H}", initialDelayString = "PT2M")
    void decayAll() {
        jdbc.execute((ConnectionCallback<Void>) connection -> {
            try (PreparedStatement lock = connection.prepareStatement(
                    "select pg_try_advisory_lock(hashtext('scores:decay'))"); ResultSet rs = lock.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return null;
                }
            }
            try {
                for (ScoreDefinition d : list()) {
                    if (d.halfLifeDays() != null) {
                        int n = recompute(d.name());
                        if (n > 0) {
                            log.info("Score {}: decay changed {} contacts", d.name(), n);
                        }
                    }
                }
            } catch (RuntimeException e) {
                log.warn("Score decay failed: {}", e.getMessage());
            } finally {
                try (PreparedStatement unlock = connection.prepareStatement(
                        "select pg_advisory_unlock(hashtext('scores:decay'))")) {
                    unlock.execute();
                }
            }
            return null;
        });
    }

    /**
     * The rules of every score applied to one CloudEvent of {@code activation.events}: behavioural events by type,
     * row changes by table. The dedupe key is the CloudEvent id plus the rule's position, so a replay adds nothing.
     */
    @Transactional
    public void apply(JsonNode cloudEvent) {
        String type = cloudEvent.path("type").asString("");
        JsonNode data = cloudEvent.path("data");
        if (!data.path("contactId").isNumber()) {
            return;
        }
        long contactId = data.path("contactId").longValue();
        String id = cloudEvent.path("id").asString("");
        Instant at = parse(type.equals(ChangeEvents.EVENT_RECORDED) ? data.path("occurredAt").asString("")
                : cloudEvent.path("time").asString(""));
        for (ScoreDefinition d : definitions()) {
            for (int i = 0; i < d.rules().size(); i++) {
                ScoreDefinition.Rule rule = d.rules().get(i);
                boolean applies = switch (type) {
                    case ChangeEvents.EVENT_RECORDED -> rule.event() != null
                            && rule.event().equals(data.path("eventType").asString(""))
                            && rule.matches(data.path("properties"));
                    case ChangeEvents.ROW_CREATED, ChangeEvents.ROW_UPDATED -> rule.table() != null
                            && rule.table().equals(data.path("table").asString(""))
                            && (rule.on().equals("any") || type.endsWith(rule.on()))
                            && rule.matches(data.path("values"));
                    default -> false;
                };
                if (applies && contactExists(contactId)) {
                    add(contactId, d.name(), rule.points(), "event:" + id + ":" + i, at);
                }
            }
        }
    }

    private boolean contactExists(long contactId) {
        return !jdbc.queryForList("select 1 from contacts where id = ?", Integer.class, contactId).isEmpty();
    }

    private Instant parse(String time) {
        try {
            return Instant.parse(time);
        } catch (RuntimeException e) {
            return clock.instant();
        }
    }

    /** Locks the contact's row and reads the stored value (null when never set). */
    private BigDecimal lockedValue(long contactId, ScoreDefinition definition) {
        List<BigDecimal> v = jdbc.query("select " + column(definition) + " from contacts where id = ? for update",
                (rs, n) -> rs.getBigDecimal(1), contactId);
        if (v.isEmpty()) {
            throw new NotFoundException("contactId", "There is no contact " + contactId);
        }
        return v.get(0);
    }

    private BigDecimal computed(long contactId, ScoreDefinition definition) {
        Instant now = clock.instant();
        BigDecimal v = jdbc.queryForObject("select " + valueSql(definition)
                + " from score_points p where p.score = ? and p.contact_id = ?", BigDecimal.class,
                concat(decayArgs(definition, now), List.of(definition.name(), contactId)));
        return v == null ? BigDecimal.ZERO.setScale(2) : v.setScale(2, RoundingMode.HALF_UP);
    }

    private String valueSql(ScoreDefinition d) {
        return d.halfLifeDays() == null ? "round(coalesce(sum(p.points), 0), 2)"
                : "round(coalesce(sum(p.points * power(0.5::numeric, (extract(epoch from (cast(? as timestamptz)"
                        + " - p.awarded_at)) / 86400.0 / ?)::numeric)), 0), 2)";
    }

    /** The parameters of {@link #valueSql}: the time and half-life when the score decays, none otherwise. */
    private static List<Object> decayArgs(ScoreDefinition d, Instant now) {
        return d.halfLifeDays() == null ? List.of() : List.of(Timestamp.from(now), d.halfLifeDays());
    }

    @SafeVarargs
    private static Object[] concat(List<Object>... parts) {
        List<Object> all = new ArrayList<>();
        for (List<Object> p : parts) {
            all.addAll(p);
        }
        return all.toArray();
    }

    /** Writes the value through ingestion and publishes thresholds crossed upward; re-arms those fallen below. */
    private void store(long contactId, ScoreDefinition d, BigDecimal before, BigDecimal after, String cause) {
        ingestion.updateContactValues(contactId, Map.of(d.attribute(), after), ORIGIN);
        List<OutboxMessage> messages = new ArrayList<>();
        for (BigDecimal t : d.thresholds()) {
            if (after.compareTo(t) >= 0) {
                int reached = jdbc.update("""
                        insert into score_thresholds_reached (score, contact_id, threshold, reached_at)
                        values (?, ?, ?, ?) on conflict do nothing""", d.name(), contactId, t,
                        Timestamp.from(clock.instant()));
                if (reached == 1) {
                    ObjectNode data = JsonNodeFactory.instance.objectNode();
                    data.put("contactId", contactId);
                    data.put("score", d.name());
                    data.put("threshold", t);
                    data.put("value", after);
                    if (before == null) {
                        data.putNull("previousValue");
                    } else {
                        data.put("previousValue", before);
                    }
                    messages.add(events.event(THRESHOLD_REACHED, contactId, "contacts/" + contactId + "/scores/"
                            + d.name(), ORIGIN, data, UUID.nameUUIDFromBytes(("score:" + d.name() + ":" + contactId
                            + ":" + t.toPlainString() + ":" + cause).getBytes())));
                }
            } else {
                jdbc.update("delete from score_thresholds_reached where score = ? and contact_id = ? and threshold = ?",
                        d.name(), contactId, t);
            }
        }
        outbox.append(messages);
    }

    private static String column(ScoreDefinition d) {
        String c = d.attribute();
        if (!c.matches("score_[a-z][a-z0-9_]{0,39}")) {
            throw new IllegalStateException("Not a score attribute: " + c);
        }
        return '"' + c + '"';
    }
}
