package io.activation.segment.value;

import io.activation.datamodel.AttributeType;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.ingest.OutboxMessage;
import io.activation.platform.ConflictException;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * RFM models: recency (days from the last purchase to the reference date), frequency (distinct purchases) and
 * monetary value (sum of the amount) per contact, each scored 1–5 by quintiles of the contacts that have at least
 * one purchase, and a named group from R and F ({@link RfmGroups}).
 *
 * <p>Quintiles: {@code ntile(5)} over the scored contacts ordered from worst to best (recency descending, frequency
 * and monetary ascending; contact id breaks the order); contacts with equal values then all take the score ntile
 * gave the first of them, so equal figures never get different scores (ties are never promoted). Rows excluded by
 * the model's conditions, rows classified as secondary purchases ({@code secondary_purchases} of the same table),
 * rows without a date and rows after the reference date are left out; a contact left with no purchase has no score.
 */
@Service
public class Rfm {

    private static final Logger log = LoggerFactory.getLogger(Rfm.class);

    /** Published per contact whose RFM group changed: data {contactId, model, group, previousGroup, r, f, m}. */
    public static final String GROUP_CHANGED = "io.activation.rfm.group-changed";

    /** The outcome of a recompute. */
    public record Computed(String model, LocalDate referenceDate, long contacts, Instant computedAt, long durationMs) {}

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final TransactionTemplate transactions;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();

    private final String workMem;

    Rfm(JdbcTemplate jdbc, TableCatalog catalog, TransactionTemplate transactions, Outbox outbox, ChangeEvents events,
            Clock clock, @Value("${activation.value.rfm-work-mem:}") String workMem) {
        if (workMem != null && !workMem.isBlank() && !workMem.matches("[1-9][0-9]{0,6}(kB|MB|GB)")) {
            throw new IllegalArgumentException("activation.value.rfm-work-mem must be a size such as 64MB (kB, MB"
                    + " or GB), or empty: " + workMem);
        }
        this.workMem = workMem;
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.transactions = transactions;
        this.outbox = outbox;
        this.events = events;
        this.clock = clock;
    }

    /** Defines a model from its JSON definition; the columns are checked against the tables now. */
    public RfmModel define(JsonNode definition) {
        RfmModel model = RfmModel.parse(definition);
        sql(model, LocalDate.now(clock), Instant.EPOCH, new ArrayList<>());
        try {
            jdbc.update("insert into rfm_models (name, definition, created_at) values (?, ?::jsonb, ?)", model.name(),
                    json.writeValueAsString(model.toJson()), Timestamp.from(clock.instant()));
        } catch (DuplicateKeyException e) {
            throw new ConflictException("rfm-model-exists", "name", "An RFM model '" + model.name()
                    + "' already exists");
        }
        return model;
    }

    public List<RfmModel> list() {
        return jdbc.query("select definition::text from rfm_models order by name",
                (rs, n) -> RfmModel.parse(json.readTree(rs.getString(1))));
    }

    public RfmModel model(String name) {
        return jdbc.query("select definition::text from rfm_models where name = ?",
                (rs, n) -> RfmModel.parse(json.readTree(rs.getString(1))), name).stream().findFirst()
                .orElseThrow(() -> new NotFoundException("name", "There is no RFM model '" + name + "'"));
    }

    /** When the model was last computed and for which reference day (empty when never). */
    public Optional<Computed> lastComputed(String name) {
        model(name);
        return jdbc.query("""
                select m.reference_day, m.computed_at, (select count(*) from rfm_scores s where s.model = m.name)
                from rfm_models m where m.name = ? and m.computed_at is not null""", (rs, n) -> new Computed(name,
                rs.getDate(1).toLocalDate(), rs.getLong(3), rs.getTimestamp(2).toInstant(), 0), name).stream()
                .findFirst();
    }

    /**
     * Recomputes a model's scores in one transaction (readers see the old scores until it commits). Waits for a
     * recompute of the same model running elsewhere (a PostgreSQL advisory lock per model).
     */
    public Computed recompute(String name) {
        return transactions.execute(status -> {
            RfmModel model = model(name);
            jdbc.queryForList("select pg_advisory_xact_lock(hashtext(?))", "rfm:" + name);
            return compute(model);
        });
    }

    /** The scheduled recompute of every model; a model another node is computing is skipped. */
    @Scheduled(cron = "${activation.value.rfm-schedule:0 15 3 * * *}")
    void recomputeAll() {
        for (String name : jdbc.queryForList("select name from rfm_models order by name", String.class)) {
            try {
                // Parsed one by one: a model whose stored definition no longer parses must not stop the others.
                RfmModel m = model(name);
                Computed done = transactions.execute(status -> {
                    Boolean locked = jdbc.queryForObject("select pg_try_advisory_xact_lock(hashtext(?))",
                            Boolean.class, "rfm:" + m.name());
                    return Boolean.TRUE.equals(locked) ? compute(m) : null;
                });
                if (done != null) {
                    log.info("RFM model {}: {} contacts scored in {} ms", m.name(), done.contacts(),
                            done.durationMs());
                }
            } catch (RuntimeException e) {
                log.warn("RFM model {} could not be recomputed: {}", name, e.getMessage());
            }
        }
    }

    /**
     * PostgreSQL's plans of a recompute of the model (its two statements, scoring then comparing and writing),
     * executed ({@code EXPLAIN (ANALYZE, BUFFERS)}) in a transaction that is rolled back: nothing is written and no
     * event is published.
     */
    public List<String> explain(String name) {
        return transactions.execute(status -> {
            status.setRollbackOnly();
            RfmModel model = model(name);
            jdbc.queryForList("select pg_advisory_xact_lock(hashtext(?))", "rfm:" + name);
            workMem();
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            List<Object> scoringArgs = new ArrayList<>();
            List<String> plan = new ArrayList<>(jdbc.queryForList("explain (analyze, buffers) "
                    + scoring(model, reference(model, now), now, scoringArgs), String.class, scoringArgs.toArray()));
            List<Object> args = new ArrayList<>();
            plan.add("");
            plan.addAll(jdbc.queryForList("explain (analyze, buffers) " + statement(model, now, args), String.class,
                    args.toArray()));
            return plan;
        });
    }

    /**
     * {@code work_mem} for the recompute's transaction only ({@code activation.value.rfm-work-mem}; empty by
     * default, the server's setting): on the benchmark's 2 cores the parallel grouping at PostgreSQL's 4 MB, though
     * it spills, was faster than with 64 MB (the same hand-written statement: 6.1 s against 7.7 s).
     */
    private void workMem() {
        if (workMem != null && !workMem.isBlank()) {
            jdbc.queryForObject("select set_config('work_mem', ?, true)", String.class, workMem);
        }
    }

    private static LocalDate reference(RfmModel model, Instant now) {
        return model.referenceDate() != null ? model.referenceDate() : LocalDate.ofInstant(now, model.timeZone());
    }

    private Computed compute(RfmModel model) {
        long started = System.nanoTime();
        workMem();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        LocalDate reference = reference(model, now);
        List<Object> scoringArgs = new ArrayList<>();
        jdbc.update(scoring(model, reference, now, scoringArgs), scoringArgs.toArray());
        List<Object> args = new ArrayList<>();
        String statement = statement(model, now, args);
        List<OutboxMessage> batch = new ArrayList<>();
        long[] count = {0};
        jdbc.query(statement, rs -> {
            if (rs.getInt(1) == 2) {
                count[0] = rs.getLong(2);
                return;
            }
            long contactId = rs.getLong(2);
            ObjectNode data = JsonNodeFactory.instance.objectNode();
            data.put("contactId", contactId);
            data.put("model", model.name());
            data.put("group", rs.getString(4));
            data.put("previousGroup", rs.getString(3));
            if (rs.getString(4) != null) {
                data.put("r", rs.getInt(5));
                data.put("f", rs.getInt(6));
                data.put("m", rs.getInt(7));
            }
            batch.add(events.event(GROUP_CHANGED, contactId, "contacts/" + contactId + "/rfm/" + model.name(), "rfm",
                    data, UUID.nameUUIDFromBytes(("rfm:" + model.name() + ":" + contactId + ":" + now).getBytes())));
            if (batch.size() == 5_000) {
                outbox.append(List.copyOf(batch));
                batch.clear();
            }
        }, args.toArray());
        outbox.append(batch);
        jdbc.update("update rfm_models set computed_at = ?, reference_day = ? where name = ?", Timestamp.from(now),
                Date.valueOf(reference), model.name());
        jdbc.execute("drop table rfm_scored");
        return new Computed(model.name(), reference, count[0], now, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * The new scores into a temporary table dropped at commit ({@code create table as}: unlike a statement that
     * writes a table of the database, it may read and group the purchases with parallel workers); its parameters
     * are appended to {@code args}.
     */
    private String scoring(RfmModel model, LocalDate reference, Instant now, List<Object> args) {
        return "create temporary table rfm_scored on commit drop as " + sql(model, reference, now, args);
    }

    /** The comparison with the stored scores and the writes (see {@link #compute}), reading {@code rfm_scored}. */
    private String statement(RfmModel model, Instant now, List<Object> args) {
        // One statement: the new scores are compared with the stored ones (one full join, the same snapshot), only
        // the rows that differ are written, contacts left without a purchase are deleted, and what it answers is
        // exactly the contacts whose group changed (with the previous group read before the write), for the
        // events, and how many contacts are scored (n, kept on the row of rank 1 in recency, which always exists).
        String statement = """
                with diff as (
                    select n.*, o.contact_id as old_contact, o.rfm_group as previous_group,
                           n.contact_id is not null and (o.contact_id is null
                               or (o.last_purchase, o.frequency, o.monetary, o.r, o.f, o.m, o.rfm_group)
                                  is distinct from
                                  (n.last_purchase, n.frequency, n.monetary, n.r, n.f, n.m, n.rfm_group)) as changed
                    from rfm_scored n full join (select * from rfm_scores where model = ?) o
                        on o.contact_id = n.contact_id
                    where n.contact_id is null or o.contact_id is null or n.rk = 1
                       or (o.last_purchase, o.frequency, o.monetary, o.r, o.f, o.m, o.rfm_group)
                          is distinct from (n.last_purchase, n.frequency, n.monetary, n.r, n.f, n.m, n.rfm_group)
                ),
                written as (
                    insert into rfm_scores (model, contact_id, last_purchase, frequency, monetary, r, f, m, rfm_group,
                                            computed_at)
                    select ?, contact_id, last_purchase, frequency, monetary, r, f, m, rfm_group, ? from diff
                    where changed
                    on conflict (model, contact_id) do update set last_purchase = excluded.last_purchase,
                        frequency = excluded.frequency, monetary = excluded.monetary, r = excluded.r, f = excluded.f,
                        m = excluded.m, rfm_group = excluded.rfm_group, computed_at = excluded.computed_at
                    returning contact_id
                ),
                gone as (
                    delete from rfm_scores o where o.model = ?
                        and o.contact_id in (select d.old_contact from diff d where d.contact_id is null)
                    returning o.contact_id, o.rfm_group
                )
                select 1 as kind, contact_id, previous_group, rfm_group, r, f, m from diff
                where changed and previous_group is distinct from rfm_group
                union all
                select 1, contact_id, rfm_group, null, null, null, null from gone
                union all
                select 2, coalesce(max(n), 0), null, null, null, null, null from diff
                order by 1, 2""";
        args.add(model.name());
        args.add(model.name());
        args.add(Timestamp.from(now));
        args.add(model.name());
        return statement;
    }

    /**
     * {@code ntile(5)} of the row at position {@code k} (1-based) among {@code n} rows, as arithmetic: the first
     * {@code n % 5} tiles hold {@code n / 5 + 1} rows, the others {@code n / 5} (PostgreSQL's ntile). With
     * {@code k = rank()} this is the tile ntile gives the first of a run of equal values, so ties share it.
     */
    static String quintile(String k, String n) {
        String big = "(" + n + " % 5) * (" + n + " / 5 + 1)";
        return "(case when " + k + " <= " + big + " then (" + k + " - 1) / (" + n + " / 5 + 1) + 1"
                + " else " + n + " % 5 + (" + k + " - " + big + " - 1) / (" + n + " / 5) + 1 end)";
    }

    /** The set-based select of a model's scores; checks every column against the tables. */
    String sql(RfmModel model, LocalDate reference, Instant now, List<Object> args) {
        TableSchema table = catalog.schema(model.table(), "table");
        if (table.kind() != TableKind.INTERACTION) {
            throw new InvalidInputException("table", "must be an interaction table (orders, order lines)");
        }
        ColumnPath.Joins joins = new ColumnPath.Joins(table, catalog);
        ColumnPath.Resolved date = joins.resolve(model.dateColumn(), "dateColumn");
        if (!date.temporal()) {
            throw new InvalidInputException("dateColumn", "must be a TIMESTAMP or DATE column");
        }
        ColumnPath.Resolved order = joins.resolve(model.orderColumn() != null ? model.orderColumn()
                : table.businessKey(), "orderColumn");
        List<String> amountSql = new ArrayList<>();
        for (int i = 0; i < model.amount().size(); i++) {
            ColumnPath.Resolved a = joins.resolve(model.amount().get(i), model.amount().size() == 1 ? "amount.column"
                    : "amount.multiply[" + i + "]");
            if (!a.numeric()) {
                throw new InvalidInputException(model.amount().size() == 1 ? "amount.column"
                        : "amount.multiply[" + i + "]", "must be an INTEGER or DECIMAL column");
            }
            amountSql.add(a.sql());
        }
        // One row is one purchase when the order column is the table's own business key (unique per row): then
        // count(*) says the same as count(distinct), without sorting every purchase of every contact (a distinct
        // aggregate cannot hash; at ten million orders that sort was most of the recompute).
        boolean rowIsPurchase = table.businessKey() != null && (model.orderColumn() == null
                || model.orderColumn().equals(table.businessKey()));
        String frequency = rowIsPurchase ? "count(*)" : "count(distinct k)";
        List<Object> dayArgs = new ArrayList<>();
        String day = date.type() == AttributeType.DATE ? date.sql()
                : "(" + date.sql() + " at time zone ?)::date";
        if (date.type() != AttributeType.DATE) {
            dayArgs.add(model.timeZone().getId());
        }
        List<Object> conditionArgs = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        for (int i = 0; i < model.exclude().size(); i++) {
            excluded.add(model.exclude().get(i).sql(joins, "exclude[" + i + "]", conditionArgs));
        }
        // Rows classified as secondary purchases of this table are left out; when there are none (no interest
        // settings read purchases from it, or none was classified) the check is left out of the statement rather
        // than probing an empty table once per row.
        boolean secondary = Boolean.TRUE.equals(jdbc.queryForObject(
                "select exists (select 1 from secondary_purchases where table_name = ?)", Boolean.class, table.name()));
        String where = "t.contact_id is not null and " + date.sql() + " is not null"
                + (excluded.isEmpty() ? "" : " and not (" + String.join(" or ", excluded) + ")")
                + (secondary ? " and not exists (select 1 from secondary_purchases s where s.table_name = ?"
                        + " and s.row_id = t.id)" : "");
        // In the order the placeholders appear in the text below.
        args.addAll(dayArgs);
        args.addAll(conditionArgs);
        if (secondary) {
            args.add(table.name());
        }
        args.add(Date.valueOf(reference));
        // Quintiles: rank() over one dimension's order is the position of the first of equal values, and the
        // quintile of that position is the tile ntile(5) over (value, contact id) gives the first of them, which
        // all of them then share; rank() and count(*) over () need one sort per dimension and no second pass.
        return """
                select contact_id, last_purchase, frequency, monetary, r, f, m, %s as rfm_group, rk, n
                from (
                    select contact_id, last_purchase, frequency, monetary, rk, n,
                           %s as r, %s as f, %s as m
                    from (
                        select p.*, rank() over (order by last_purchase) as rk,
                               rank() over (order by frequency) as fk,
                               rank() over (order by monetary) as mk,
                               count(*) over () as n
                        from (
                            select contact_id, max(day) as last_purchase,
                                   %s as frequency, coalesce(sum(a), 0) as monetary
                            from (
                                select t.contact_id, %s as day, %s as k, %s as a
                                from %s t %s
                                where %s
                            ) purchases
                            where day <= cast(? as date)
                            group by contact_id
                        ) p
                    ) positioned
                ) scored""".formatted(RfmGroups.sql("r", "f"), quintile("rk", "n"), quintile("fk", "n"),
                quintile("mk", "n"), frequency, day, order.sql(), String.join(" * ", amountSql),
                table.qualifiedName(), joins.sql(), where);
    }

    /** A contact's scores in a model (empty when the contact has no purchase in it). */
    public Optional<RfmScore> scoreOf(String model, long contactId) {
        return jdbc.query("""
                select s.model, s.contact_id, m.reference_day - s.last_purchase, s.frequency, s.monetary, s.r, s.f,
                       s.m, s.rfm_group, m.computed_at
                from rfm_scores s join rfm_models m on m.name = s.model
                where s.model = ? and s.contact_id = ?""", (rs, n) -> new RfmScore(rs.getString(1),
                rs.getLong(2), rs.getInt(3), rs.getLong(4), rs.getBigDecimal(5), rs.getInt(6), rs.getInt(7),
                rs.getInt(8), rs.getString(9), rs.getTimestamp(10).toInstant()), model, contactId).stream()
                .findFirst();
    }

    /** How many contacts have each score and group, with the range of values behind each score. */
    public record Distribution(String model, long population, Map<String, List<Band>> scores,
            Map<String, Long> groups) {}

    /** One score of one dimension: how many contacts, and the smallest and largest value among them. */
    public record Band(int score, long contacts, java.math.BigDecimal min, java.math.BigDecimal max) {}

    public Distribution distribution(String name) {
        model(name);
        Map<String, List<Band>> scores = new LinkedHashMap<>();
        // Recency is counted back from the reference day of the last computation.
        String recency = "((select reference_day from rfm_models where name = s.model) - s.last_purchase)";
        for (String[] d : new String[][] {{"r", recency}, {"f", "s.frequency"}, {"m", "s.monetary"}}) {
            scores.put(d[0], jdbc.query("select s." + d[0] + ", count(*), min(" + d[1] + "), max(" + d[1]
                    + ") from rfm_scores s where s.model = ? group by 1 order by 1", (rs, n) -> new Band(
                    rs.getInt(1), rs.getLong(2), rs.getBigDecimal(3), rs.getBigDecimal(4)), name));
        }
        Map<String, Long> groups = new LinkedHashMap<>();
        RfmGroups.ALL.forEach(g -> groups.put(g, 0L));
        jdbc.query("select rfm_group, count(*) from rfm_scores where model = ? group by 1", rs -> {
            groups.put(rs.getString(1), rs.getLong(2));
        }, name);
        long population = groups.values().stream().mapToLong(Long::longValue).sum();
        return new Distribution(name, population, scores, groups);
    }
}
