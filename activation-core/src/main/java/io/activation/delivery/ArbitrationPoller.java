package io.activation.delivery;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Decides requests whose arbitration window or deferral ended (by the injected clock), and falls back from
 * deliveries sent but not confirmed in time. Each contact's requests, and each delivery, are handled in their own
 * transaction; rows are claimed with {@code FOR UPDATE SKIP LOCKED} under the contact's lock, so pollers of several
 * engine instances share the work without deciding anything twice.
 */
public class ArbitrationPoller {

    private static final Logger log = LoggerFactory.getLogger(ArbitrationPoller.class);

    private final Arbitration arbitration;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final DeliveryProperties properties;
    private volatile boolean running;
    private volatile Thread worker;

    ArbitrationPoller(Arbitration arbitration, JdbcTemplate jdbc, Clock clock, DeliveryProperties properties) {
        this.arbitration = arbitration;
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
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

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        worker = new Thread(this::loop, "delivery-arbitration");
        worker.setDaemon(true);
        worker.start();
    }

    public synchronized void stop() {
        running = false;
        Thread t = worker;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        worker = null;
    }

    private void loop() {
        while (running) {
            try {
                if (pollOnce() < properties.pollBatchSize()) {
                    Thread.sleep(properties.pollInterval().toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("Arbitration poll failed, retrying: {}", e.toString());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
