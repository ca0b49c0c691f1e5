package io.activation.segment.value;

import io.activation.datamodel.AttributeType;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.ingest.OutboxMessage;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Interest profiles and secondary purchases, recomputed set-based in one transaction.
 *
 * <p>Secondary purchases first: a purchase row is secondary when its gift flag is true, or when a secondary rule
 * matches it: its category is the rule's, its month (in the settings' time zone) is one of the rule's, and the
 * contact has no other (non-excluded, non-flagged) purchase of that category outside those months. They go to
 * {@code secondary_purchases}, which RFM models on the same table leave out.
 *
 * <p>Then the profiles: every signal (a tag of a clicked link, the category of a purchased row) counts
 * {@code 0.5^(age in days / half-life)} (1 without a half-life); per contact, profile and interest the signals are
 * summed, and the weight is that sum divided by the contact's largest sum in the same profile (0..1, the top
 * interest has 1). Secondary purchases feed the {@code secondary} profile only; clicks and the other purchases feed
 * {@code primary}. Interest names are trimmed and lower-cased.
 */
@Service
public class Interests {

    private static final Logger log = LoggerFactory.getLogger(Interests.class);

    /**
     * Published by a recompute, once per contact whose profile (an interest, its weight, or its profile) differs
     * from before: data {@code {contactId}}. Segments testing interests re-evaluate that contact on it.
     */
    public static final String CHANGED = "io.activation.interests.changed";

    /** Which profile: the contact's own interests, or those of gifts and incidental purchases. */
    public enum Profile {
        PRIMARY, SECONDARY;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One interest of a contact's profile. */
    public record Interest(String interest, BigDecimal weight, BigDecimal signals) {}

    /** A purchase row classified as secondary, and why. */
    public record SecondaryPurchase(String table, long rowId, String category, String reason, Instant occurredAt) {}

    /** The outcome of a recompute. */
    public record Computed(long secondaryPurchases, long interests, long contacts, long durationMs) {}

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final JsonMapper json = JsonMapper.builder().build();

    Interests(JdbcTemplate jdbc, TableCatalog catalog, TransactionTemplate transactions, Clock clock, Outbox outbox,
            ChangeEvents events) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.transactions = transactions;
        this.clock = clock;
        this.outbox = outbox;
        this.events = events;
    }

    static String normalise(String interest) {
        String s = interest.strip().toLowerCase(Locale.ROOT);
        return s.length() > 100 ? s.substring(0, 100) : s;
    }

    /** Replaces the settings; the columns are checked against the tables now. Profiles change on recompute. */
    public InterestSettings configure(JsonNode body) {
        InterestSettings settings = InterestSettings.parse(body);
        if (settings.purchases() != null) {
            purchasesSql(settings, new ArrayList<>());
        }
        jdbc.update("""
                insert into interest_settings (id, definition, updated_at) values (1, ?::jsonb, ?)
                on conflict (id) do update set definition = excluded.definition, updated_at = excluded.updated_at""",
                json.writeValueAsString(settings.toJson()), Timestamp.from(clock.instant()));
        return settings;
    }

    public Optional<InterestSettings> settings() {
        return jdbc.query("select definition::text from interest_settings where id = 1",
                (rs, n) -> InterestSettings.parse(json.readTree(rs.getString(1)))).stream().findFirst();
    }

    /** Reclassifies secondary purchases and rebuilds every profile; waits for a recompute running elsewhere. */
    public Computed recompute() {
        InterestSettings settings = settings().orElseThrow(() -> new NotFoundException("settings",
                "Interests are not configured: PUT /api/v1/interests/settings first"));
        return transactions.execute(status -> {
            jdbc.queryForList("select pg_advisory_xact_lock(hashtext('interests'))");
            return compute(settings);
        });
    }

    @Scheduled(cron = "${activation.value.interest-schedule:0 45 3 * * *}")
    void recomputeScheduled() {
        settings().ifPresent(settings -> {
            try {
                Computed done = transactions.execute(status -> {
                    Boolean locked = jdbc.queryForObject("select pg_try_advisory_xact_lock(hashtext('interests'))",
                            Boolean.class);
                    return Boolean.TRUE.equals(locked) ? compute(settings) : null;
                });
                if (done != null) {
                    log.info("Interests: {} interests of {} contacts, {} secondary purchases, in {} ms",
                            done.interests(), done.contacts(), done.secondaryPurchases(), done.durationMs());
                }
            } catch (RuntimeException e) {
                log.warn("Interests could not be recomputed: {}", e.getMessage());
            }
        });
    }

    private Computed compute(InterestSettings settings) {
        long started = System.nanoTime();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        long secondary = 0;
        String table = settings.purchases() == null ? null : settings.purchases().table();
        if (table != null) {
            jdbc.update("delete from secondary_purchases where table_name = ?", table);
            List<Object> args = new ArrayList<>();
            String base = purchasesSql(settings, args);
            List<Object> flagged = new ArrayList<>(args);
            flagged.add(table);
            secondary += jdbc.update("with p as (" + base + ") insert into secondary_purchases (table_name, row_id,"
                    + " contact_id, category, reason, occurred_at) select ?, id, contact_id, category, 'gift flag', at"
                    + " from p where flagged on conflict do nothing", flagged.toArray());
            for (InterestSettings.SecondaryRule rule : settings.secondaryRules()) {
                String months = rule.months().stream().map(String::valueOf).collect(Collectors.joining(", "));
                List<Object> ruleArgs = new ArrayList<>(args);
                ruleArgs.add(table);
                ruleArgs.add("rule: " + rule.category() + " only in months " + months);
                ruleArgs.add(rule.category());
                secondary += jdbc.update("with p as (" + base + ") insert into secondary_purchases (table_name,"
                        + " row_id, contact_id, category, reason, occurred_at) select ?, p.id, p.contact_id,"
                        + " p.category, ?, p.at from p where p.category = ? and p.month in (" + months + ")"
                        + " and not p.flagged and not exists (select 1 from p q where q.contact_id = p.contact_id"
                        + " and q.category = p.category and not q.flagged and q.month not in (" + months + "))"
                        + " on conflict do nothing", ruleArgs.toArray());
            }
        }
        jdbc.execute("create temporary table interests_previous on commit drop as select contact_id, interest,"
                + " profile, weight from contact_interests");
        jdbc.update("delete from contact_interests");
        List<Object> args = new ArrayList<>();
        List<String> signals = new ArrayList<>();
        String with = "";
        if (table != null) {
            with = "with p as (" + purchasesSql(settings, args) + ") ";
        }
        args.add(Timestamp.from(now));
        if (!settings.clickEventTypes().isEmpty()) {
            signals.add("select e.contact_id, left(lower(btrim(tag)), 100) as interest, 'primary' as profile, "
                    + decay(settings, "e.occurred_at", now, args) + " as w from events e cross join lateral"
                    + " jsonb_array_elements_text(case when jsonb_typeof(e.properties -> ?) = 'array'"
                    + " then e.properties -> ? else '[]'::jsonb end) as tag where e.type in ("
                    + settings.clickEventTypes().stream().map(t -> "?").collect(Collectors.joining(", ")) + ")");
            args.add(settings.tagsProperty());
            args.add(settings.tagsProperty());
            args.addAll(settings.clickEventTypes());
        }
        if (table != null) {
            // Named here too: without click signals this is the only branch of the union.
            signals.add("select p.contact_id, p.category as interest, case when s.row_id is null then 'primary'"
                    + " else 'secondary' end as profile, " + decay(settings, "p.at", now, args) + " as w"
                    + " from p left join secondary_purchases s"
                    + " on s.table_name = ? and s.row_id = p.id");
            args.add(table);
        }
        long interests = jdbc.update(with + """
                insert into contact_interests (contact_id, interest, weight, profile, signals, computed_at)
                select contact_id, interest, round((s / max(s) over (partition by contact_id, profile))::numeric, 5),
                       profile, round(s::numeric, 6), ?
                from (
                    select contact_id, interest, profile, sum(w) as s
                    from (%s) signals
                    where interest <> ''
                    group by contact_id, interest, profile
                ) sums
                where s > 0""".formatted(String.join(" union all ", signals)), args.toArray());
        jdbc.update("update interest_settings set computed_at = ? where id = 1", Timestamp.from(now));
        publishChanges(now);
        jdbc.execute("drop table interests_previous");
        Long contacts = jdbc.queryForObject("select count(distinct contact_id) from contact_interests", Long.class);
        return new Computed(secondary, interests, contacts == null ? 0 : contacts,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** {@value #CHANGED} for each contact whose profile differs from the one before this recompute. */
    private void publishChanges(Instant now) {
        List<OutboxMessage> batch = new ArrayList<>();
        jdbc.query("""
                select distinct coalesce(n.contact_id, o.contact_id)
                from contact_interests n
                full join interests_previous o
                  on o.contact_id = n.contact_id and o.interest = n.interest and o.profile = n.profile
                where o.weight is distinct from n.weight
                order by 1""", rs -> {
            long contactId = rs.getLong(1);
            ObjectNode data = JsonNodeFactory.instance.objectNode();
            data.put("contactId", contactId);
            batch.add(events.event(CHANGED, contactId, "contacts/" + contactId + "/interests", "interests", data,
                    UUID.nameUUIDFromBytes(("interests:" + contactId + ":" + now).getBytes(StandardCharsets.UTF_8))));
            if (batch.size() == 5_000) {
                outbox.append(List.copyOf(batch));
                batch.clear();
            }
        });
        outbox.append(batch);
    }

    /** A signal's weight at {@code now}: {@code 0.5^(age days / half-life)}, or 1 without decay. */
    private static String decay(InterestSettings settings, String time, Instant now, List<Object> args) {
        if (settings.halfLifeDays() == null) {
            return "1.0::float8";
        }
        args.add(Timestamp.from(now));
        args.add(settings.halfLifeDays().doubleValue());
        return "power(0.5::float8, greatest(extract(epoch from (cast(? as timestamptz) - " + time
                + ")), 0)::float8 / 86400.0 / ?)";
    }

    /**
     * The purchase rows with their category, time, month and gift flag: {@code id, contact_id, category, at, month,
     * flagged}. Parameters are appended to {@code args} in order.
     */
    private String purchasesSql(InterestSettings settings, List<Object> args) {
        InterestSettings.Purchases p = settings.purchases();
        TableSchema table;
        try {
            table = catalog.schema(p.table(), "purchases.table");
        } catch (NotFoundException e) {
            throw new InvalidInputException("purchases.table", e.getMessage());
        }
        if (!table.belongsToContact()) {
            throw new InvalidInputException("purchases.table", "rows of '" + table.name() + "' belong to no contact");
        }
        ColumnPath.Joins joins = new ColumnPath.Joins(table, catalog);
        ColumnPath.Resolved category = joins.resolve(p.category(), "purchases.category");
        if (category.type() != AttributeType.TEXT && category.type() != AttributeType.ENUM) {
            throw new InvalidInputException("purchases.category", "must be a TEXT or ENUM column");
        }
        ColumnPath.Resolved date = joins.resolve(p.date(), "purchases.date");
        if (!date.temporal()) {
            throw new InvalidInputException("purchases.date", "must be a TIMESTAMP or DATE column");
        }
        String flag = "false";
        if (p.giftFlag() != null) {
            ColumnPath.Resolved f = joins.resolve(p.giftFlag(), "purchases.giftFlag");
            if (f.type() != AttributeType.BOOLEAN) {
                throw new InvalidInputException("purchases.giftFlag", "must be a BOOLEAN column");
            }
            flag = "coalesce(" + f.sql() + ", false)";
        }
        String at;
        String month;
        if (date.type() == AttributeType.DATE) {
            at = "(" + date.sql() + "::timestamp at time zone ?)";
            month = "extract(month from " + date.sql() + ")::int";
            args.add(settings.timeZone().getId());
        } else {
            at = date.sql();
            month = "extract(month from (" + date.sql() + " at time zone ?))::int";
            args.add(settings.timeZone().getId());
        }
        List<Object> conditionArgs = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        for (int i = 0; i < p.exclude().size(); i++) {
            excluded.add(p.exclude().get(i).sql(joins, "purchases.exclude[" + i + "]", conditionArgs));
        }
        // Placeholders in text order: the DATE case's zone sits in "at", the TIMESTAMP case's in "month".
        args.addAll(conditionArgs);
        return "select t.id, t.contact_id, left(lower(btrim(" + category.sql() + "::text)), 100) as category, "
                + at + " as at, " + month + " as month, " + flag + " as flagged from " + table.qualifiedName()
                + " t " + joins.sql() + " where t.contact_id is not null and " + category.sql() + " is not null and "
                + date.sql() + " is not null" + (excluded.isEmpty() ? "" : " and not (" + String.join(" or ",
                excluded) + ")");
    }

    /** The contact's profile, heaviest interest first. */
    public List<Interest> profile(long contactId, Profile profile) {
        return jdbc.query("""
                select interest, weight, signals from contact_interests where contact_id = ? and profile = ?
                order by weight desc, interest""", (rs, n) -> new Interest(rs.getString(1), rs.getBigDecimal(2),
                rs.getBigDecimal(3)), contactId, profile.code());
    }

    /** The contact's purchases classified as secondary, newest first. */
    public List<SecondaryPurchase> secondaryPurchases(long contactId) {
        return jdbc.query("""
                select table_name, row_id, category, reason, occurred_at from secondary_purchases
                where contact_id = ? order by occurred_at desc nulls last, row_id desc limit 500""",
                (rs, n) -> new SecondaryPurchase(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant()), contactId);
    }
}
