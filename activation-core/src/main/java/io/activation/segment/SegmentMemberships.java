package io.activation.segment;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.ingest.OutboxMessage;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Materialised membership: one set-based statement inserts the contacts that now match, deletes those that no
 * longer do, and returns both; the entered / exited events go to the outbox in the same transaction. A per-segment
 * advisory lock serialises the full refresh and the single-contact re-evaluation, so no change is published twice.
 */
@Component
class SegmentMemberships {

    static final String ENTERED = "io.activation.segment.entered";
    static final String EXITED = "io.activation.segment.exited";
    private static final int LOCK_SPACE = 0x5E6;
    private static final String ORIGIN = "segments";
    private static final Logger log = LoggerFactory.getLogger(SegmentMemberships.class);

    private final JdbcTemplate jdbc;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final Segments segments;

    SegmentMemberships(JdbcTemplate jdbc, Outbox outbox, ChangeEvents events, Segments segments) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.events = events;
        this.segments = segments;
    }

    /**
     * Brings the stored membership in line with the rule, for every contact ({@code contactIds} null, rule compiled
     * in {@link SegmentCompiler.Shape#SET}) or for the given ones ({@link SegmentCompiler.Shape#SINGLE}). A full
     * refresh also sets the segment's {@code refreshed_at} and {@code member_count} (the size of the new set).
     */
    @Transactional(propagation = Propagation.MANDATORY)
    MembershipChanges apply(Segment segment, CompiledRule rule, long[] contactIds, Instant now) {
        jdbc.queryForObject("select pg_advisory_xact_lock(?, ?)::text", String.class, LOCK_SPACE,
                (int) segment.id());
        return contactIds == null ? applyAll(segment, rule, now) : applySome(segment, rule, contactIds, now);
    }

    /**
     * The full refresh: the rule is evaluated once into a temporary table ({@code create temporary table ... as},
     * which PostgreSQL may run with parallel workers: a statement that writes a database table never gets them),
     * then one statement inserts the entered, deletes the exited and writes {@code refreshed_at} and
     * {@code member_count} (the row count of the new set, as {@code create table as} reports it).
     */
    private MembershipChanges applyAll(Segment segment, CompiledRule rule, Instant now) {
        long started = System.nanoTime();
        String target = target(segment);
        int members = jdbc.update(evaluation(target, rule), rule.bind(now, null));
        long evaluated = System.nanoTime();
        // Statistics for the diff's plan (a fresh table has none; a sample of at most 30,000 rows).
        jdbc.execute("analyze pg_temp." + target);
        long analysed = System.nanoTime();
        List<Long> entered = new ArrayList<>();
        List<Long> exited = new ArrayList<>();
        jdbc.query(diff(target), rs -> {
            (rs.getBoolean(1) ? entered : exited).add(rs.getLong(2));
        }, diffArgs(segment, now, members));
        long diffed = System.nanoTime();
        publish(segment, entered, exited, false);
        if (log.isDebugEnabled()) {
            log.debug("Segment {} refreshed: {} members, {} entered, {} exited; evaluation {} ms, analyze {} ms,"
                    + " diff {} ms, events {} ms", segment.id(), members, entered.size(), exited.size(),
                    ms(evaluated - started), ms(analysed - evaluated), ms(diffed - analysed),
                    ms(System.nanoTime() - diffed));
        }
        return new MembershipChanges(entered, exited);
    }

    /**
     * {@code EXPLAIN (ANALYZE, BUFFERS)} of a full refresh's two statements, run for real in the caller's
     * transaction (which the caller rolls back; no event is published): where a refresh spends its time.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    List<String> explainFull(Segment segment, CompiledRule rule, Instant now) {
        jdbc.queryForObject("select pg_advisory_xact_lock(?, ?)::text", String.class, LOCK_SPACE,
                (int) segment.id());
        String target = target(segment);
        List<String> plan = new ArrayList<>();
        plan.add("-- evaluation: " + evaluation(target, rule));
        plan.addAll(jdbc.queryForList("explain (analyze, buffers) " + evaluation(target, rule), String.class,
                rule.bind(now, null)));
        jdbc.execute("analyze pg_temp." + target);
        Long members = jdbc.queryForObject("select count(*) from pg_temp." + target, Long.class);
        plan.add("-- diff: " + diff(target));
        plan.addAll(jdbc.queryForList("explain (analyze, buffers) " + diff(target), String.class,
                diffArgs(segment, now, members == null ? 0 : members)));
        return plan;
    }

    /**
     * The name of the full refresh's temporary table, free for this transaction: dropped at commit, per segment,
     * under the segment's advisory lock (the drop covers a caller that refreshes twice in one transaction).
     */
    private String target(Segment segment) {
        String target = "segment_target_" + segment.id();
        jdbc.execute("drop table if exists pg_temp." + target);
        return target;
    }

    private static String evaluation(String target, CompiledRule rule) {
        return "create temporary table " + target + " on commit drop as select c.id from public.contacts c where "
                + rule.condition();
    }

    /**
     * The entered and the exited from one full join of the new set with the stored membership (one pass over each,
     * where an anti-join each way read both twice), then the insert, the delete and the segment's count.
     */
    private static String diff(String target) {
        return """
                with changes as materialized (select t.id as entering, m.contact_id as leaving
                    from pg_temp.%1$s t
                    full join (select contact_id from segment_memberships where segment_id = ?) m on m.contact_id = t.id
                    where t.id is null or m.contact_id is null),
                entered as (insert into segment_memberships (segment_id, contact_id, entered_at)
                    select ?, entering, ? from changes where entering is not null returning contact_id),
                exited as (delete from segment_memberships m where m.segment_id = ?
                    and m.contact_id in (select leaving from changes where leaving is not null) returning m.contact_id),
                counted as (update segments set refreshed_at = ?, member_count = ? where id = ?)
                select true, contact_id from entered union all select false, contact_id from exited"""
                .formatted(target);
    }

    private static Object[] diffArgs(Segment segment, Instant now, long members) {
        OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        return new Object[] {segment.id(), segment.id(), at, segment.id(), at, members, segment.id()};
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
    }

    /** The re-evaluation for a few contacts: one statement, the rule in its single-contact form. */
    private MembershipChanges applySome(Segment segment, CompiledRule rule, long[] contactIds, Instant now) {
        List<Object> args = new ArrayList<>();
        args.add(contactIds);
        args.addAll(Arrays.asList(rule.bind(now, null)));
        OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        args.addAll(List.of(segment.id(), at, segment.id(), segment.id(), contactIds));
        List<Long> entered = new ArrayList<>();
        List<Long> exited = new ArrayList<>();
        jdbc.query("with target as (select c.id from public.contacts c where c.id = any(?) and "
                + rule.condition() + "),\n" + """
                entered as (insert into segment_memberships (segment_id, contact_id, entered_at)
                    select ?, t.id, ? from target t
                    where not exists (select 1 from segment_memberships m where m.segment_id = ? and m.contact_id = t.id)
                    returning contact_id),
                exited as (delete from segment_memberships m where m.segment_id = ? and m.contact_id = any(?)
                    and not exists (select 1 from target t where t.id = m.contact_id) returning m.contact_id)
                select true, contact_id from entered union all select false, contact_id from exited""", rs -> {
                    (rs.getBoolean(1) ? entered : exited).add(rs.getLong(2));
                }, args.toArray());
        publish(segment, entered, exited, true);
        return new MembershipChanges(entered, exited);
    }

    /**
     * Empties a segment that is being deleted, publishing {@code segment.exited} for every member in the caller's
     * transaction: a journey waiting for a contact to leave the segment must not wait for ever.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    List<Long> removeAll(Segment segment) {
        jdbc.queryForObject("select pg_advisory_xact_lock(?, ?)::text", String.class, LOCK_SPACE,
                (int) segment.id());
        List<Long> exited = jdbc.queryForList("delete from segment_memberships where segment_id = ?"
                + " returning contact_id", Long.class, segment.id());
        publish(segment, List.of(), exited, true);
        return exited;
    }

    private void publish(Segment segment, List<Long> entered, List<Long> exited, boolean countChanged) {
        List<OutboxMessage> messages = new ArrayList<>(entered.size() + exited.size());
        entered.forEach(id -> messages.add(event(ENTERED, segment, id)));
        exited.forEach(id -> messages.add(event(EXITED, segment, id)));
        for (int from = 0; from < messages.size(); from += 5_000) {
            outbox.append(messages.subList(from, Math.min(messages.size(), from + 5_000)));
        }
        if (countChanged) {
            segments.countChanged(segment.id(), entered.size() - exited.size());
        }
    }

    private OutboxMessage event(String type, Segment segment, long contactId) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("contactId", contactId);
        data.put("segmentId", segment.id());
        data.put("segment", segment.name());
        return events.event(type, contactId, "segments/" + segment.id(), ORIGIN, data, UUID.randomUUID());
    }

    /** Members in contact id order after {@code afterContactId}. */
    List<SegmentMember> members(long segmentId, long afterContactId, int limit) {
        return jdbc.query("""
                select m.contact_id, c.external_id, m.entered_at from segment_memberships m
                join contacts c on c.id = m.contact_id
                where m.segment_id = ? and m.contact_id > ? order by m.contact_id limit ?""",
                (rs, n) -> new SegmentMember(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant()),
                segmentId, afterContactId, limit);
    }

    /** The segments the contact is in, with when it entered them. */
    List<ContactSegment> of(long contactId) {
        return jdbc.query("""
                select s.id, s.name, m.entered_at from segment_memberships m join segments s on s.id = m.segment_id
                where m.contact_id = ? order by s.name""",
                (rs, n) -> new ContactSegment(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant()), contactId);
    }
}
