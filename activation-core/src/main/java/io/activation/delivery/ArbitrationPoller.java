package io.activation.delivery;

import io.activation.platform.PollingWorker;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Decides requests whose arbitration window or deferral ended (by the injected clock), and falls back from
 * deliveries sent but not confirmed in time. Each contact's requests, and each delivery, are handled in their own
 * transaction; rows are claimed with {@code FOR UPDATE SKIP LOCKED} under the contact's lock, so pollers of several
 * engine instances share the work without deciding anything twice.
 */
public class ArbitrationPoller {

    private final Arbitration arbitration;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final DeliveryProperties properties;
    private final PollingWorker worker;

    ArbitrationPoller(Arbitration arbitration, JdbcTemplate jdbc, Clock clock, DeliveryProperties properties) {
        this.arbitration = arbitration;
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.worker = new PollingWorker("delivery-arbitration", () -> pollOnce() >= properties.pollBatchSize(),
                properties::pollInterval);
    }

    /** Handles what is due now; answers how many contacts and deliveries were handled. */
    public int pollOnce() {
        Timestamp now = Timestamp.from(clock.instant());
        List<Long> contacts = jdbc.queryForList("""
                select contact_id from message_requests where decided_at is null and decide_at <= ?
                group by contact_id order by min(decide_at) limit ?""", Long.class, now,
                properties.pollBatchSize());
        int handled = 0;
        for (long contactId : contacts) {
            if (arbitration.decideDue(contactId) > 0) {
                handled++;
            }
        }
        List<Long> overdue = jdbc.queryForList("""
                select id from deliveries where status = 'sent' and fallen_back_at is null and confirm_by <= ?
                order by confirm_by limit ?""", Long.class, now, properties.pollBatchSize());
        for (long deliveryId : overdue) {
            if (arbitration.confirmOverdue(deliveryId)) {
                handled++;
            }
        }
        return handled;
    }

    public void start() {
        worker.start();
    }

    public void stop() {
        worker.stop();
    }
}
