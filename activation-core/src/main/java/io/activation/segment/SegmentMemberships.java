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
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("with target as (select c.id from public.contacts c where ");
        if (contactIds != null) {
            sql.append("c.id = any(?) and ");
            args.add(contactIds);
        }
        sql.append(rule.condition()).append("),\n");
        args.addAll(Arrays.asList(rule.bind(now, null)));
        sql.append("""
                entered as (insert into segment_memberships (segment_id, contact_id, entered_at)
                    select ?, t.id, ? from target t
                    where not exists (select 1 from segment_memberships m where m.segment_id = ? and m.contact_id = t.id)
                    returning contact_id),
                exited as (delete from segment_memberships m where m.segment_id = ?""");
        args.add(segment.id());
        args.add(OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
        args.add(segment.id());
        args.add(segment.id());
        if (contactIds != null) {
            sql.append(" and m.contact_id = any(?)");
            args.add(contactIds);
        }
        sql.append(" and not exists (select 1 from target t where t.id = m.contact_id) returning m.contact_id)");
        if (contactIds == null) {
            // A full refresh: the new membership is exactly the target set, so its size is the member count,
            // written by the same statement (no recount of the stored membership afterwards).
            sql.append("""
                    ,
                    counted as (update segments set refreshed_at = ?, member_count = (select count(*) from target)
                        where id = ? returning member_count)""");
            args.add(OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            args.add(segment.id());
        }
        sql.append("""

                select 1 as kind, contact_id from entered
                union all select 2, contact_id from exited""");
        if (contactIds == null) {
            sql.append("\nunion all select 3, member_count from counted");
        }
        List<Long> entered = new ArrayList<>();
        List<Long> exited = new ArrayList<>();
        jdbc.query(sql.toString(), rs -> {
            int kind = rs.getInt(1);
            if (kind != 3) {
                (kind == 1 ? entered : exited).add(rs.getLong(2));
            }
        }, args.toArray());
        publish(segment, entered, exited, contactIds != null);
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
