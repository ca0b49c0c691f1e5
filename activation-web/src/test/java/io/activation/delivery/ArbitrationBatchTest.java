package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.testing.Concurrently;
import java.sql.Timestamp;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.listener.BatchListenerFailedException;

/**
 * Arbitration in batches: a Kafka poll is decided in one transaction, requests of one contact in a batch see each
 * other's effect on the caps, and a request that cannot be decided does not hold back the rest of its poll.
 *
 * <p>The requests here are written without their Kafka record (the consumer would decide them first), and the poll
 * is handed to the listener directly.
 */
class ArbitrationBatchTest extends DeliveryTestSupport {

    @Test
    void aPollIsDecidedTogetherAndARequestThatFailsIsIsolatedFromTheOthers() {
        long[] contacts = new long[3];
        for (int i = 0; i < 3; i++) {
            String who = unique("batch");
            contacts[i] = contact(who, "{\"email\": \"" + who + "@example.com\"}");
            consent(who, "email", "marketing", "granted");
        }
        long first = unpublished(contacts[0], "tpl-email", "requested", null);
        // A template name longer than deliveries.template allows: inserting its delivery fails.
        long poisoned = unpublished(contacts[1], "t".repeat(150), "requested", null);
        long third = unpublished(contacts[2], "tpl-email", "requested", null);
        ArbitrationListener listener = new ArbitrationListener(arbitration);

        assertThatThrownBy(() -> listener.onMessage(poll(first, poisoned, third)))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> assertThat(e.getIndex()).isOne());

        for (long id : List.of(first, third)) {
            assertThat(status(id)).isEqualTo("dispatched");
            assertThat(deliveryChannels(id)).containsExactly("email");
            // The sender runtime appends its own steps as it sends; arbitration's come first.
            assertThat(steps(id)).startsWith("consent/email/passed", "suppression/email/passed",
                    "address/email/passed", "cap/email/passed", "channel/email/chosen");
            assertThat(reasons(id).get(4)).isEqualTo("dispatched on email (choice 1 of 1) with template tpl-email as"
                    + " delivery " + deliveryId(id, "email"));
        }
        // Nothing of the failed request was written: it stays for the error handler's retry and dead letter.
        assertThat(status(poisoned)).isEqualTo("requested");
        assertThat(deliveryChannels(poisoned)).isEmpty();
        assertThat(steps(poisoned)).isEmpty();

        // A redelivered poll (after the error handler's seek) changes nothing of what was decided.
        int decisions = countDecisions(first, third);
        assertThatThrownBy(() -> listener.onMessage(poll(first, poisoned, third)))
                .isInstanceOf(BatchListenerFailedException.class);
        assertThat(countDecisions(first, third)).isEqualTo(decisions);
        assertThat(deliveryChannels(first)).hasSize(1);
        assertThat(deliveryChannels(third)).hasSize(1);
    }

    @Test
    void requestsOfOneContactInOnePollAreEachDecidedOnce() {
        String who = unique("twice");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
        consent(who, "email", "marketing", "granted");
        long a = unpublished(contact, "tpl-email", "requested", null);
        long b = unpublished(contact, "tpl-email", "requested", null);

        // The same request twice in a poll (a redelivery inside the batch) is decided once.
        new ArbitrationListener(arbitration).onMessage(poll(a, b, a));

        assertThat(deliveryChannels(a)).containsExactly("email");
        assertThat(deliveryChannels(b)).containsExactly("email");
        assertThat(steps(a)).filteredOn(s -> s.startsWith("channel/")).containsExactly("channel/email/chosen");
        assertThat(steps(a)).filteredOn(s -> s.startsWith("consent/")).containsExactly("consent/email/passed");
    }

    @Test
    void dueRequestsOfOneContactInOneBatchCountEachOtherAgainstTheCap() {
        cap("""
                {"name": "%s", "scope": "channel", "channel": "email", "max": 1, "window": "P1D"}
                """.formatted(unique("batchcap")));
        String who = unique("due");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
        consent(who, "email", "marketing", "granted");
        String other = unique("due");
        long otherContact = contact(other, "{\"email\": \"" + other + "@example.com\"}");
        consent(other, "email", "marketing", "granted");
        Timestamp due = Timestamp.from(clock.instant().minusSeconds(1));
        long low = unpublished(contact, "tpl-email", "pending", due, 20);
        long high = unpublished(contact, "tpl-email", "pending", due, 80);
        long alone = unpublished(otherContact, "tpl-email", "pending", due, 50);

        // The poller may get there first: either way the due requests are decided in one batch per poll.
        arbitration.decideDueAll(List.of(contact, otherContact));

        awaitStatus(high, "dispatched");
        awaitStatus(alone, "dispatched");
        // The first dispatch of the batch took the cap's only slot: the lower priority lost it, with the reason.
        assertThat(status(low)).isEqualTo("dropped");
        assertThat(deliveryChannels(low)).isEmpty();
        assertThat(steps(low)).contains("priority/email/blocked");
        assertThat(reasons(low)).anySatisfy(r -> assertThat(r).contains("lost the slot of cap", "to request "
                + high));
    }

    @Test
    void batchesSharingContactsInAnyOrderNeitherDeadlockNorBreakTheCap() throws Exception {
        cap("""
                {"name": "%s", "scope": "channel", "channel": "email", "max": 2, "window": "P1D"}
                """.formatted(unique("overlap")));
        Timestamp due = Timestamp.from(clock.instant().minusSeconds(1));
        List<Long> contacts = new ArrayList<>();
        List<Long> requests = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            String who = unique("overlap");
            long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
            consent(who, "email", "marketing", "granted");
            contacts.add(contact);
            for (int i = 0; i < 4; i++) {
                requests.add(unpublished(contact, "tpl-email", "pending", due, 50));
            }
        }
        // Four batches over the same contacts, each listing them in another order, at the same moment (the poller
        // may join in): the contacts' locks are taken in one order, so none deadlocks, and each contact gets
        // exactly its cap.
        Concurrently.run(4, t -> {
            List<Long> order = new ArrayList<>(contacts);
            Collections.rotate(order, t);
            if (t % 2 == 1) {
                Collections.reverse(order);
            }
            return arbitration.decideDueAll(order);
        });

        for (long contact : contacts) {
            assertThat(jdbc.queryForObject("select count(*) from deliveries where contact_id = ?", Integer.class,
                    contact)).isEqualTo(2);
        }
        assertThat(requests.stream().map(this::status).toList()).filteredOn("dispatched"::equals).hasSize(8);
        assertThat(requests.stream().map(this::status).toList()).filteredOn("dropped"::equals).hasSize(8);
    }

    @Test
    void theContactLockKeyComputedInSqlIsTheOneJavaTakes() {
        // lockRequests finds and locks contacts in SQL; lockContact(s) computes the key in Java: both must agree, or
        // a Kafka batch and a fallback or poller round of the same contact would not wait for each other.
        for (long id : new long[] {0, 1, 42, Integer.MAX_VALUE, 1L + Integer.MAX_VALUE, 0xFFFF_FFFFL, 1L << 32,
                (1L << 32) + 7, 123_456_789_012L, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
            assertThat(jdbc.queryForObject("select " + Arbitration.lockKey("x") + " from (select ?::bigint as x) t",
                    Integer.class, id)).as("key of %d", id).isEqualTo(Long.hashCode(id));
        }
    }

    private int countDecisions(long... requestIds) {
        int n = 0;
        for (long id : requestIds) {
            // Arbitration's own stages (the sender runtime adds its own as it sends).
            n += jdbc.queryForObject("""
                    select count(*) from delivery_trail where request_id = ?
                      and stage in ('consent', 'suppression', 'address', 'cap', 'quiet-hours', 'priority', 'channel',
                        'expiry', 'fallback')""", Integer.class, id);
        }
        return n;
    }

    private long unpublished(long contactId, String template, String status, Timestamp decideAt) {
        return unpublished(contactId, template, status, decideAt, 50);
    }

    /** A marketing e-mail request written without its Kafka record. */
    private long unpublished(long contactId, String template, String status, Timestamp decideAt, int priority) {
        return jdbc.queryForObject("""
                insert into message_requests (dedupe_key, contact_id, scenario_version, step_id, channels, priority,
                    status, created_at, decide_at)
                values (?, ?, 1, 'send', ?::jsonb, ?, ?, ?, ?) returning id""", Long.class,
                "test:" + UUID.randomUUID(), contactId, "[{\"channel\": \"email\", \"template\": \"" + template
                        + "\"}]", priority, status,
                Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)), decideAt);
    }

    private static List<ConsumerRecord<String, String>> poll(long... requestIds) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (long id : requestIds) {
            records.add(new ConsumerRecord<>("activation.messages", 0, records.size(), null, """
                    {"type": "%s", "data": {"id": %d}}""".formatted(MessageRequests.REQUESTED_EVENT, id)));
        }
        return records;
    }
}
