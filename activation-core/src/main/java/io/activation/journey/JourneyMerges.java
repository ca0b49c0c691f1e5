package io.activation.journey;

import io.activation.contact.ContactMergeParticipant;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * An anonymous contact's journeys follow it into the known contact it is merged with: an abandoned cart started
 * before the visitor logged in still sends its reminder, to the known contact. Where the known contact already has a
 * live journey of the same scenario (not one per trigger row), the anonymous one is exited instead, so a contact is
 * never in one scenario twice. Timers and message requests move too, so fired timers run in the known contact's lane.
 */
@Component
class JourneyMerges implements ContactMergeParticipant {

    private final JdbcTemplate jdbc;

    JourneyMerges(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void merged(long from, long into, Instant now) {
        OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        List<Long> exited = jdbc.queryForList("""
                update journey_instances a set status = 'exited', ended_at = ?, updated_at = ?, waiting_timer = null,
                       waiting_event = null
                where a.contact_id = ? and a.ended_at is null and a.trigger_key is null
                  and exists (select 1 from journey_instances k where k.contact_id = ? and k.scenario_id = a.scenario_id
                              and k.ended_at is null and k.trigger_key is null)
                returning a.id""", Long.class, at, at, from, into);
        if (!exited.isEmpty()) {
            Long[] ids = exited.toArray(Long[]::new);
            jdbc.update("update journey_timers set status = 'cancelled' where instance_id = any(?) and status = 'pending'",
                    (Object) ids);
            jdbc.update("""
                    insert into journey_history (instance_id, step_id, entered, at, outcome, reason)
                    select id, current_step, false, ?, 'exited', ? from journey_instances where id = any(?)""",
                    at, "contact merged into contact " + into + ", which already had a journey of this scenario",
                    (Object) ids);
        }
        jdbc.update("""
                insert into journey_history (instance_id, step_id, entered, at, outcome, reason)
                select id, current_step, false, ?, 'merged', ? from journey_instances
                where contact_id = ? and ended_at is null""", at, "contact " + from + " merged into contact " + into,
                from);
        jdbc.update("update journey_instances set contact_id = ? where contact_id = ?", into, from);
        jdbc.update("update journey_timers set contact_id = ? where contact_id = ?", into, from);
        jdbc.update("update message_requests set contact_id = ? where contact_id = ?", into, from);
    }
}
