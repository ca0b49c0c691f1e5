package io.activation.delivery;

import io.activation.platform.PollingWorker;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Decides requests whose arbitration window or deferral ended (by the injected clock), and falls back from
 * deliveries sent but not confirmed in time. The due contacts of a poll are decided in one transaction (one contact
 * at a time should that fail), each delivery in its own; rows are claimed with {@code FOR UPDATE SKIP LOCKED} under the contact's lock, so pollers of several
 * engine instances share the work without deciding anything twice.
 */
public class ArbitrationPoller {

    private static final Logger log = LoggerFactory.getLogger(ArbitrationPoller.class);

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
        if (!contacts.isEmpty()) {
            try {
                arbitration.decideDueAll(contacts);
                handled = contacts.size();
            } catch (RuntimeException e) {
                // Nothing of the batch was written: one contact at a time, so one that fails holds back no other.
                log.warn("Deciding the due requests of {} contacts together failed ({}); one contact at a time",
                        contacts.size(), e.toString());
                RuntimeException first = null;
                for (long contactId : contacts) {
                    try {
                        if (arbitration.decideDue(contactId) > 0) {
                            handled++;
                        }
                    } catch (RuntimeException failed) {
                        first = first == null ? failed : first;
                    }
                }
                if (first != null) {
                    throw first;
                }
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
