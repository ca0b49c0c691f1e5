package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Crashes and races: a sender that dies mid-batch after the provider took a message, then a restart; consumers that
 * compete for the same deliveries. Whatever happens, the provider never gets one message key twice.
 */
class SenderCrashTest extends SenderTestSupport {

    /** What a crashed process would throw at the worst moment: after the provider accepted, before the mark. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash after the provider accepted the message");
        }
    }

    @Test
    void aSenderKilledMidBatchIsRestartedAndEveryMessageReachesTheSinkExactlyOnce() {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        AtomicInteger calls = new AtomicInteger();
        int k = 4;
        sink.answer = m -> {
            if (calls.incrementAndGet() == k) {
                // The provider has it (the sink counted it below) ... and the process dies before the mark.
                sink.accepted.computeIfAbsent(m.messageKey(), key -> new AtomicInteger()).incrementAndGet();
                throw new SimulatedCrash();
            }
            return new SendResult.Accepted("p-" + m.deliveryId());
        };
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(queued(channel));
        }
        // One provider call at a time, so the crash leaves exactly one message between claim and mark.
        SenderRuntime runtime = start(runtime(sink, topic).limits(new SenderProperties.ChannelLimits(0, 1,
                SenderProperties.InDoubt.HOLD)));
        ids.forEach(id -> dispatch(topic, id));
        await("the crash", runtime::halted, h -> h);
        await("the consumer stopped", runtime::isRunning, r -> !r);
        OutboundMessage crashed = sink.calls.stream().skip(k - 1).findFirst().orElseThrow();
        assertThat(status(crashed.deliveryId())).isEqualTo("sending");
        // The answers that came in before the crash are still marked (by the mark thread, after its linger).
        await("the answers before the crash marked", () -> ids.stream().filter(id -> status(id).equals("sent"))
                .count(), n -> n == k - 1);
        assertThat(ids.stream().filter(id -> status(id).equals("queued"))).hasSize(ids.size() - k);

        runtime.start();
        assertThat(runtime.lastSweep()).containsExactly(crashed.deliveryId());
        for (long id : ids) {
            await("delivery " + id + " settled", () -> status(id), s -> s.equals("sent") || s.equals("in_doubt"));
        }
        assertThat(status(crashed.deliveryId())).isEqualTo("in_doubt");
        assertDecision(decisions(crashed.deliveryId()), "in-doubt", "not sent again (at most once)");
        for (long id : ids) {
            String key = (String) row(id).get("message_key");
            assertThat(sink.acceptedTimes(key)).as("times the sink accepted " + key).isEqualTo(1);
        }
        assertThat(sink.calls).hasSize(ids.size());
    }

    @Test
    void aPollIsCommittedOnlyOnceItsAnswersAreMarkedWhileTheConsumerGoesOn() throws Exception {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        // Two deliveries of one contact: their records share a partition (the key is the contact id).
        long contact = contact(null);
        String email = jdbc.queryForObject("select email from contacts where id = ?", String.class, contact);
        long held = delivery(request(contact, channel), contact, channel, "welcome", email);
        long after = delivery(request(contact, channel), contact, channel, "welcome", email);
        java.util.concurrent.CountDownLatch called = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch locked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        // Once the first delivery is claimed and at the provider, another transaction takes its row, so its mark
        // waits (a slow ledger) until the test lets go.
        sink.answer = m -> {
            if (m.deliveryId() == held) {
                called.countDown();
                try {
                    locked.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new SendResult.Accepted("p-" + m.deliveryId());
        };
        Thread holder = new Thread(() -> {
            try {
                called.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            transactions.executeWithoutResult(tx -> {
                jdbc.queryForList("select id from deliveries where id = ? for update", held);
                locked.countDown();
                try {
                    release.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        });
        holder.start();
        SenderRuntime runtime = start(runtime(sink, topic));
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                kafkaAdmin.getConfigurationProperties())) {
            dispatch(topic, held);
            assertThat(locked.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            dispatch(topic, after);
            // The consumer goes on: its next poll reaches the provider while the first mark still waits ...
            await("the next provider call", () -> sink.calls.size(), n -> n == 2);
            assertThat(status(held)).isEqualTo("sending");
            // ... and nothing of the partition is committed meanwhile (a commit would cover the unmarked record).
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < until) {
                assertThat(committed(admin, runtime.consumerGroup())).as("offsets committed before the mark")
                        .isZero();
                Thread.sleep(100);
            }
            release.countDown();
            holder.join(30_000);
            awaitStatus(held, "sent");
            await("both records committed", () -> committed(admin, runtime.consumerGroup()), n -> n == 2);
        } finally {
            release.countDown();
        }
        assertThat(sink.calls).hasSize(2);
    }

    /** The sum of the group's committed offsets over the topic's partitions (records committed). */
    private static long committed(org.apache.kafka.clients.admin.Admin admin, String group) {
        try {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30,
                    java.util.concurrent.TimeUnit.SECONDS).values().stream()
                    .filter(java.util.Objects::nonNull).mapToLong(o -> o.offset()).sum();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void competingConsumersAndDuplicateRecordsNeverSendOneKeyTwice() throws Exception {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(queued(channel));
        }
        // Two groups read every record (a misconfiguration, or a replay), two consumers share one group, and
        // every record is published twice.
        String group = unique("sender");
        start(runtime(sink, topic));
        start(runtime(sink, topic));
        start(runtime(sink, topic).consumerGroup(group));
        start(runtime(sink, topic).consumerGroup(group));
        for (long id : ids) {
            dispatch(topic, id);
            dispatch(topic, id);
        }
        ids.forEach(id -> awaitStatus(id, "sent"));
        for (long id : ids) {
            Map<String, Object> row = row(id);
            assertThat(sink.acceptedTimes((String) row.get("message_key"))).as("key " + row.get("message_key"))
                    .isEqualTo(1);
            assertThat(row.get("attempts")).isEqualTo(1);
        }
        assertThat(sink.calls).hasSize(ids.size());
    }

    @Test
    void retriesAreSentOnceWhenSeveralPollersAndARedeliveredRecordRaceForThem() throws Exception {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        sink.answer = m -> m.attempt() == 1 ? new SendResult.Retry("busy", Duration.ofMinutes(1))
                : new SendResult.Accepted("ok");
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(queued(channel));
        }
        SenderRuntime first = start(runtime(sink, topic));
        SenderRuntime second = start(runtime(sink, topic));
        ids.forEach(id -> dispatch(topic, id));
        ids.forEach(id -> awaitStatus(id, "retrying"));
        clock.advance(Duration.ofMinutes(1));
        // Both pollers (their threads and these calls) and a redelivered record compete for the due retries.
        ids.forEach(id -> dispatch(topic, id));
        io.activation.testing.Concurrently.run(2, i -> (i == 0 ? first : second).pollRetriesOnce());
        ids.forEach(id -> awaitStatus(id, "sent"));
        for (long id : ids) {
            assertThat(sink.acceptedTimes((String) row(id).get("message_key"))).isEqualTo(1);
            assertThat(row(id).get("attempts")).isEqualTo(2);
        }
        assertThat(sink.calls).hasSize(ids.size() * 2);
    }
    @Test
    void aClaimTheDatabaseRefusesIsTriedAgainNotSkipped() {
        // The database fails the first claim of this delivery (a trigger and a sequence, which no rollback undoes):
        // the poll must not be committed with the delivery still queued.
        failingClaims();
        String channel = channel();
        String topic = topic(channel);
        long id = queued(channel);
        String sequence = unique("claim_fail");
        jdbc.execute("create sequence " + sequence);
        jdbc.update("insert into test_claim_failures values (?, ?)", row(id).get("message_key"), sequence);
        Sink sink = new Sink(channel);
        start(runtime(sink, topic));
        dispatch(topic, id);
        awaitStatus(id, "sent");
        assertThat(jdbc.queryForObject("select last_value from " + sequence, Long.class)).isGreaterThan(1);
        assertThat(sink.calls).hasSize(1);
        assertThat(row(id).get("attempts")).isEqualTo(1);
    }

    @Test
    void aRoundOfClaimsTheDatabaseRefusesLosesAndDoublesNone() {
        // The deliveries of a loop round are claimed in one statement: the first claim of one of them fails, so the
        // whole statement fails and none of the round is claimed; the poll is read again and every delivery is sent
        // exactly once, with one attempt.
        failingClaims();
        String channel = channel();
        String topic = topic(channel);
        long contact = contact(null);
        String email = jdbc.queryForObject("select email from contacts where id = ?", String.class, contact);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(delivery(request(contact, channel), contact, channel, "welcome", email));
        }
        String sequence = unique("claim_fail");
        jdbc.execute("create sequence " + sequence);
        jdbc.update("insert into test_claim_failures values (?, ?)", row(ids.get(4)).get("message_key"), sequence);
        // All eight records in one partition before the consumer starts: one poll, one round of eight claims.
        ids.forEach(id -> dispatch(topic, id));
        Sink sink = new Sink(channel);
        SenderRuntime runtime = start(runtime(sink, topic));
        ids.forEach(id -> awaitStatus(id, "sent"));
        assertThat(jdbc.queryForObject("select last_value from " + sequence, Long.class)).isGreaterThan(1);
        for (long id : ids) {
            assertThat(sink.acceptedTimes((String) row(id).get("message_key"))).isEqualTo(1);
            assertThat(row(id).get("attempts")).isEqualTo(1);
        }
        assertThat(sink.calls).hasSize(ids.size());
        // The refused statement claimed more than the one delivery: it was a round, not a claim per delivery.
        assertThat(runtime.cycleStats().get("idsPerClaim")).isGreaterThan(1.0);
    }

    /** A trigger that fails the first claim of each message key listed in test_claim_failures (by its sequence). */
    private void failingClaims() {
        jdbc.execute("create table if not exists test_claim_failures (message_key varchar(250) primary key,"
                + " sequence_name varchar(100) not null)");
        jdbc.execute("""
                create or replace function test_fail_claim() returns trigger language plpgsql as $$
                declare s varchar;
                begin
                    select sequence_name into s from test_claim_failures where message_key = new.message_key;
                    if s is not null and nextval(s::regclass) = 1 then
                        raise exception 'simulated failure of the claim of %', new.message_key;
                    end if;
                    return new;
                end $$""");
        jdbc.execute("drop trigger if exists test_fail_claim on deliveries");
        jdbc.execute("create trigger test_fail_claim before update on deliveries for each row"
                + " when (new.status = 'sending') execute function test_fail_claim()");
    }
}
