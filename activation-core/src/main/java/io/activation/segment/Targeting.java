package io.activation.segment;

import io.activation.platform.ConflictException;
import io.activation.platform.InvalidInputException;
import io.activation.platform.LimitExceededException;
import io.activation.platform.NotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The application service of segments: define, validate, preview, explain, refresh and read membership; and the
 * single-contact evaluation the journey engine's condition step calls ({@link #matches}).
 */
@Component
public class Targeting {

    private static final Logger log = LoggerFactory.getLogger(Targeting.class);
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9 _.:-]{0,99}");

    /**
     * A preview: how many contacts match now, and a few of them. An exact count has {@code low == high == count}
     * and {@code sampled} the number of contacts; an estimate says how many contacts were sampled and the 95 %
     * (Wilson) interval of the count.
     */
    public record Preview(long count, boolean exact, long low, long high, long sampled, List<SegmentMember> sample,
            CompiledRule compiled) {

        Preview(long count, List<SegmentMember> sample, CompiledRule compiled) {
            this(count, true, count, count, -1, sample, compiled);
        }
    }

    /** How a preview counts: exactly, from a random sample, or (auto) from a sample when exact would be slow. */
    public enum PreviewMode {
        AUTO, EXACT, ESTIMATE
    }

    /** The SQL of a rule and the plan PostgreSQL chooses for it. */
    public record Explain(String sql, List<Object> parameters, List<String> plan) {}

    private final SegmentCompiler compiler;
    private final Segments segments;
    private final SegmentMemberships memberships;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final TargetingProperties properties;
    private final TransactionTemplate writing;
    private final TransactionTemplate reading;
    private final java.util.concurrent.ConcurrentMap<CacheKey, CachedRule> compiled =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.time.Duration COMPILED_MAX_AGE = java.time.Duration.ofMinutes(1);

    Targeting(SegmentCompiler compiler, Segments segments, SegmentMemberships memberships, JdbcTemplate jdbc,
            Clock clock, TargetingProperties properties, PlatformTransactionManager transactions) {
        this.compiler = compiler;
        this.segments = segments;
        this.memberships = memberships;
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.writing = new TransactionTemplate(transactions);
        this.writing.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.reading = new TransactionTemplate(transactions);
        this.reading.setReadOnly(true);
    }

    // ---- rules ----------------------------------------------------------------------------------------------

    /**
     * Checks a rule against the catalogue and compiles it; {@link InvalidInputException} naming every problem by
     * its path under {@code path} (e.g. {@code rule.and[1].aggregate.window.lastDays}). With
     * {@code journeyContext} false, windows {@code {"since": "journeyStart"}} are refused (segments have no
     * journey).
     */
    public CompiledRule validate(JsonNode rule, String path, boolean journeyContext) {
        CompiledRule compiled = compiler.compile(compiler.parse(rule, path), SegmentCompiler.Shape.SET);
        if (!journeyContext && compiled.needsJourneyStart()) {
            throw new InvalidInputException(path, "a window since journeyStart exists only in journey conditions");
        }
        return compiled;
    }

    /**
     * Whether one contact matches the rule now (by the injected clock). For the journey engine's condition step;
     * {@code context} may carry {@code journeyStart} (an {@link Instant}, {@link OffsetDateTime} or ISO-8601 text)
     * for windows {@code {"since": "journeyStart"}}. An unknown contact does not match.
     *
     * @throws InvalidInputException when the rule is not valid against the current data model (fields under
     *         {@code rule})
     */
    public boolean matches(JsonNode rule, long contactId, Map<String, Object> context) {
        return matches(compileForContact(rule, "rule"), contactId, context);
    }

    /**
     * The rule compiled once in the single-contact form, for callers that evaluate it for many contacts (a journey
     * step): pass the result to {@link #matches(CompiledRule, long, Map)}. Problems are named under {@code path}.
     */
    public CompiledRule compileForContact(JsonNode rule, String path) {
        return compiler.compile(compiler.parse(rule, path), SegmentCompiler.Shape.SINGLE);
    }

    /** {@link #matches(JsonNode, long, Map)} for a rule from {@link #compileForContact}. */
    public boolean matches(CompiledRule singleContactRule, long contactId, Map<String, Object> context) {
        Instant journeyStart = journeyStart(context);
        if (singleContactRule.needsJourneyStart() && journeyStart == null) {
            throw new InvalidInputException("context.journeyStart", "is required by a window since journeyStart");
        }
        List<Object> args = new ArrayList<>();
        args.add(contactId);
        args.addAll(Arrays.asList(singleContactRule.bind(clock.instant(), journeyStart)));
        Boolean matches = reading.execute(status -> jdbc.queryForObject(
                "select exists (select 1 from public.contacts c where c.id = ? and " + singleContactRule.condition()
                        + ")", Boolean.class, args.toArray()));
        return Boolean.TRUE.equals(matches);
    }

    private static Instant journeyStart(Map<String, Object> context) {
        Object value = context == null ? null : context.get("journeyStart");
        if (value == null) {
            return null;
        }
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        try {
            return Instant.parse(value.toString());
        } catch (DateTimeParseException e) {
            throw new InvalidInputException("context.journeyStart", "must be an ISO-8601 instant");
        }
    }

    /** How many contacts match the rule now, and the first {@code sample} of them (exact). */
    public Preview preview(JsonNode rule, int sample) {
        return preview(rule, sample, PreviewMode.EXACT);
    }

    /**
     * How many contacts match the rule now, and {@code sample} of them. In {@link PreviewMode#AUTO}, a rule that
     * reads other tables than {@code contacts} (aggregates, exists, consents, scores) is counted from a random
     * sample of contacts once there are more than {@code preview-exact-up-to} of them: the exact answer needs the
     * whole interaction table (seconds at ten million rows), the estimate reads the rows of the sampled contacts
     * only, through their (contact_id, time) index.
     */
    public Preview preview(JsonNode rule, int sample, PreviewMode mode) {
        return preview(rule, sample, mode, properties.previewEstimateSample());
    }

    /** {@link #preview(JsonNode, int, PreviewMode)}, an estimate sampling about {@code estimateSample} contacts. */
    public Preview preview(JsonNode rule, int sample, PreviewMode mode, int estimateSample) {
        if (mode == PreviewMode.EXACT) {
            return exactPreview(rule, sample);
        }
        CompiledRule set = validate(rule, "rule", false);
        boolean readsOtherTables = set.dependencies().stream().anyMatch(d -> !d.startsWith("contacts."));
        if (mode == PreviewMode.AUTO && !readsOtherTables) {
            return exactPreview(rule, sample);
        }
        CompiledRule single = compileForContact(rule, "rule");
        return reading.execute(status -> {
            timeout();
            Long total = jdbc.queryForObject("select count(*) from public.contacts", Long.class);
            long contacts = total == null ? 0 : total;
            if (mode == PreviewMode.AUTO && contacts <= properties.previewExactUpTo()) {
                return exact(set, sample);
            }
            double percent = contacts == 0 ? 100.0
                    : Math.min(100.0, 100.0 * estimateSample / (double) contacts);
            List<Object> args = new ArrayList<>(Arrays.asList(single.bind(clock.instant(), null)));
            args.add(percent);
            args.add(ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE));
            args.add(sample);
            long[] counts = {0, 0};
            List<SegmentMember> members = new ArrayList<>();
            // One evaluation of the rule per sampled contact (correlated, index-driven); the left join keeps the
            // counts row when nothing matched.
            jdbc.query("""
                    with s as materialized (
                        select c.id, c.external_id, (%s) as m
                        from public.contacts c tablesample bernoulli (?) repeatable (?)),
                    t as (select count(*) as sampled, count(*) filter (where m) as matched from s)
                    select t.sampled, t.matched, x.id, x.external_id
                    from t left join lateral (select id, external_id from s where m order by id limit ?) x on true
                    """.formatted(single.condition()), rs -> {
                counts[0] = rs.getLong(1);
                counts[1] = rs.getLong(2);
                long id = rs.getLong(3);
                if (!rs.wasNull()) {
                    members.add(new SegmentMember(id, rs.getString(4), null));
                }
            }, args.toArray());
            return estimate(contacts, counts[0], counts[1], members, set);
        });
    }

    /** Scales a sample's share to the population, with the 95 % Wilson interval. */
    static Preview estimate(long contacts, long sampled, long matched, List<SegmentMember> members,
            CompiledRule compiled) {
        if (sampled == 0) {
            return new Preview(0, contacts == 0, 0, contacts, 0, members, compiled);
        }
        if (sampled >= contacts) {
            return new Preview(matched, true, matched, matched, sampled, members, compiled);
        }
        double n = sampled;
        double p = matched / n;
        double z = 1.959964;
        double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
        double half = z / (1 + z * z / n) * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n));
        long low = Math.max(matched, (long) Math.floor(Math.max(0, centre - half) * contacts));
        long high = Math.min(contacts - (sampled - matched), (long) Math.ceil(Math.min(1, centre + half) * contacts));
        long count = Math.round(p * contacts);
        return new Preview(Math.min(high, Math.max(low, count)), false, low, high, sampled, members, compiled);
    }

    private Preview exactPreview(JsonNode rule, int sample) {
        CompiledRule compiled = validate(rule, "rule", false);
        return reading.execute(status -> {
            timeout();
            return exact(compiled, sample);
        });
    }

    /** The exact count and the first {@code sample} matches, in the caller's (read) transaction. */
    private Preview exact(CompiledRule compiled, int sample) {
        Object[] args = compiled.bind(clock.instant(), null);
        if (sample == 0) {
            Long count = jdbc.queryForObject("select count(*) from public.contacts c where "
                    + compiled.condition(), Long.class, args);
            return new Preview(count == null ? 0 : count, List.of(), compiled);
        }
        // One evaluation of the rule for both answers: the count is taken over every match before the limit.
        // (Two statements evaluated a rule over aggregates twice: the sample's "order by id limit" cannot stop
        // early when the rule is a semi-join on a grouped table.)
        List<Object> sampleArgs = new ArrayList<>(Arrays.asList(args));
        sampleArgs.add(sample);
        long[] count = {0};
        List<SegmentMember> members = jdbc.query("select count(*) over (), c.id, c.external_id"
                + " from public.contacts c where " + compiled.condition() + " order by c.id limit ?",
                (rs, n) -> {
                    count[0] = rs.getLong(1);
                    return new SegmentMember(rs.getLong(2), rs.getString(3), null);
                }, sampleArgs.toArray());
        return new Preview(count[0], members, compiled);
    }

    private void timeout() {
        // A number from configuration, not input.
        jdbc.execute("set local statement_timeout = " + properties.previewTimeout().toMillis());
    }

    // ---- segments -------------------------------------------------------------------------------------------

    /** Defines a segment and computes its membership (members entering publish {@code segment.entered}). */
    public Segment create(String name, String description, JsonNode rule) {
        List<io.activation.platform.FieldError> errors = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            errors.add(new io.activation.platform.FieldError("name", "is required: 1 to 100 letters, digits,"
                    + " spaces and _ . : -, starting with a letter or digit"));
        }
        if (description != null && description.length() > 500) {
            errors.add(new io.activation.platform.FieldError("description", "must be at most 500 characters"));
        }
        CompiledRule compiled = null;
        try {
            compiled = validate(rule, "rule", false);
        } catch (InvalidInputException e) {
            errors.addAll(e.errors());
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        if (segments.count() >= properties.maxSegments()) {
            throw new LimitExceededException("name", properties.maxSegments(), "An installation has at most "
                    + properties.maxSegments() + " segments");
        }
        if (segments.idByName(name).isPresent()) {
            throw new ConflictException("segment-exists", "name", "A segment named '" + name + "' exists");
        }
        CompiledRule rules = compiled;
        Instant now = clock.instant();
        long id = writing.execute(status -> {
            long created = segments.insert(name, description, rule.toString(), rules.dependencies(), now);
            Segment segment = segments.byId(created).orElseThrow();
            refreshSettings();
            memberships.apply(segment, rules, null, now);
            return created;
        });
        return get(id);
    }

    public Segment get(long id) {
        return segments.byId(id).orElseThrow(() -> new NotFoundException("id", "There is no segment " + id));
    }

    public List<Segment> list(long afterId, int limit) {
        return segments.page(afterId, limit);
    }

    /**
     * Deletes a segment; every member exits first ({@code segment.exited} each, in the same transaction), so
     * journeys waiting for an exit see one. Refused while another segment tests it.
     */
    public void delete(long id) {
        Segment segment = get(id);
        List<String> users = segments.referencing(id);
        if (!users.isEmpty()) {
            throw new ConflictException("segment-in-use", "id", "Segments " + users + " test membership of this"
                    + " one; delete or change them first");
        }
        writing.executeWithoutResult(status -> {
            memberships.removeAll(segment);
            segments.delete(id);
        });
        compiled.keySet().removeIf(k -> k.segment() == id);
    }

    /** Recomputes the whole membership now; returns the changes (each published). */
    public MembershipChanges refresh(long id) {
        long started = System.nanoTime();
        Segment segment = get(id);
        CompiledRule compiled = compiledForm(segment, SegmentCompiler.Shape.SET);
        Instant now = clock.instant();
        long prepared = System.nanoTime();
        MembershipChanges changes = writing.execute(status -> {
            refreshSettings();
            return memberships.apply(segment, compiled, null, now);
        });
        if (log.isDebugEnabled()) {
            log.debug("Segment {} refresh: {} ms reading and compiling, {} ms in its transaction (with the commit)",
                    id, String.format(java.util.Locale.ROOT, "%.1f", (prepared - started) / 1e6),
                    String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - prepared) / 1e6));
        }
        return changes;
    }

    /**
     * {@code EXPLAIN (ANALYZE, BUFFERS)} of the segment's full refresh (its evaluation into a temporary table and
     * the diff against the stored membership), run with the refresh's settings in a transaction that is rolled
     * back: nothing changes, no event is published.
     */
    public List<String> explainRefresh(long id) {
        Segment segment = get(id);
        CompiledRule compiled = compiledForm(segment, SegmentCompiler.Shape.SET);
        Instant now = clock.instant();
        return writing.execute(status -> {
            status.setRollbackOnly();
            refreshSettings();
            return memberships.explainFull(segment, compiled, now);
        });
    }

    /** Every segment, one transaction each; a segment whose rule no longer compiles is logged and skipped. */
    void refreshAll() {
        for (Segment segment : segments.all()) {
            try {
                refresh(segment.id());
            } catch (RuntimeException e) {
                log.warn("Segment {} ({}) was not refreshed: {}", segment.id(), segment.name(), e.getMessage());
            }
        }
    }

    /**
     * Re-evaluates, for each contact, the segments whose rules depend on something in its set of changes (contact
     * attributes {@code contacts.<column>}, table names, {@code segment:<id>}; {@code *} for all): one statement
     * per segment for all the contacts it concerns.
     */
    void reevaluate(Map<Long, Set<String>> changedByContact) {
        for (Segment segment : segments.all()) {
            long[] contacts = changedByContact.entrySet().stream()
                    .filter(e -> e.getValue().contains("*")
                            || segment.dependencies().stream().anyMatch(e.getValue()::contains))
                    .mapToLong(Map.Entry::getKey).sorted().toArray();
            if (contacts.length == 0) {
                continue;
            }
            try {
                CompiledRule compiled = compiledForm(segment, SegmentCompiler.Shape.SINGLE);
                Instant now = clock.instant();
                writing.executeWithoutResult(status -> memberships.apply(segment, compiled, contacts, now));
            } catch (RuntimeException e) {
                log.warn("Segment {} ({}) was not re-evaluated for {} contacts: {}", segment.id(), segment.name(),
                        contacts.length, e.getMessage());
            }
        }
    }

    /**
     * A segment's rule never changes and the data model only grows, so its compiled forms (the single-contact one
     * for events, the set one for refreshes) are kept a while instead of being compiled again each time.
     */
    private CompiledRule compiledForm(Segment segment, SegmentCompiler.Shape shape) {
        long now = System.nanoTime();
        CacheKey key = new CacheKey(segment.id(), shape);
        CachedRule cached = compiled.get(key);
        if (cached != null && now - cached.at() < COMPILED_MAX_AGE.toNanos()) {
            return cached.rule();
        }
        CompiledRule rule = compiler.compile(compiler.parse(segment.rule(), "rule"), shape);
        compiled.put(key, new CachedRule(rule, now));
        return rule;
    }

    /**
     * The full refresh's session settings, for its transaction only: {@code work_mem}
     * ({@code activation.targeting.refresh-work-mem}) so that grouping an interaction table per contact hashes in
     * memory instead of spilling to disk.
     */
    private void refreshSettings() {
        String workMem = properties.refreshWorkMem();
        if (workMem != null && !workMem.isBlank()) {
            jdbc.queryForObject("select set_config('work_mem', ?, true)", String.class, workMem);
        }
    }

    private record CacheKey(long segment, SegmentCompiler.Shape shape) {}

    private record CachedRule(CompiledRule rule, long at) {}

    /** The SQL of the segment's rule and PostgreSQL's plan for it: for all contacts, or for one. */
    public Explain explain(long id, Long contactId) {
        Segment segment = get(id);
        SegmentCompiler.Shape shape = contactId == null ? SegmentCompiler.Shape.SET : SegmentCompiler.Shape.SINGLE;
        CompiledRule compiled = compiler.compile(compiler.parse(segment.rule(), "rule"), shape);
        String sql = "select c.id from public.contacts c where "
                + (contactId == null ? "" : "c.id = ? and ") + compiled.condition();
        List<Object> args = new ArrayList<>();
        if (contactId != null) {
            args.add(contactId);
        }
        args.addAll(Arrays.asList(compiled.bind(clock.instant(), null)));
        List<String> plan = reading.execute(status -> {
            timeout();
            return jdbc.queryForList("explain " + sql, String.class, args.toArray());
        });
        return new Explain(sql, args.stream().map(a -> a == null ? null : (Object) a.toString()).toList(), plan);
    }

    public List<SegmentMember> members(long id, long afterContactId, int limit) {
        get(id);
        return memberships.members(id, afterContactId, limit);
    }

    public List<ContactSegment> segmentsOf(long contactId) {
        return memberships.of(contactId);
    }
}
