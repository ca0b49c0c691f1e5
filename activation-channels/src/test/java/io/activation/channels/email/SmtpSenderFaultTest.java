package io.activation.channels.email;

import io.activation.channels.MutableTestClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.SendResult;
import io.activation.delivery.spi.SendResult.Failure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SMTP outcomes through a server that answers what the test tells it to, at the step it names. */
class SmtpSenderFaultTest {

    private final ScriptedSmtpServer smtp = new ScriptedSmtpServer();
    private final MutableTestClock clock = new MutableTestClock(Instant.parse("2026-11-22T10:00:00Z"));
    private final List<SmtpSender> senders = new ArrayList<>();

    @AfterEach
    void stop() {
        senders.forEach(SmtpSender::close);
        smtp.close();
    }

    private SmtpSender sender(int poolSize, Duration readTimeout) {
        SmtpSender s = new SmtpSender(SmtpServer.of("127.0.0.1", smtp.port()), Messages.settings(poolSize,
                readTimeout), clock);
        senders.add(s);
        return s;
    }

    @Test
    void acceptedCarriesTheQueueIdAndTheSameConnectionCarriesEveryMessage() {
        SmtpSender sender = sender(1, Duration.ofSeconds(5));
        for (int i = 0; i < 10; i++) {
            SendResult r = sender.send(Messages.email("req-" + i + ":email", "ada" + i + "@example.org"));
            assertThat(r).isEqualTo(new SendResult.Accepted("Q" + (i + 1)));
        }
        assertThat(smtp.accepted()).hasSize(10);
        assertThat(smtp.connections()).isEqualTo(1);
        assertThat(sender.connectionsOpened()).isEqualTo(1);
        assertThat(smtp.commands().stream().filter(c -> c.startsWith("EHLO"))).hasSize(1);
        assertThat(smtp.commands().stream().filter(c -> c.startsWith("MAIL FROM:<bounces@shop.example>")))
                .hasSize(10);
    }

    @Test
    void concurrentSendsShareThePoolAndNeverOpenMoreConnectionsThanItsSize() throws Exception {
        SmtpSender sender = sender(3, Duration.ofSeconds(5));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<SendResult>> results = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                int n = i;
                results.add(pool.submit(() -> sender.send(Messages.email("c-" + n + ":email", "c" + n
                        + "@example.org"))));
            }
            for (Future<SendResult> f : results) {
                assertThat(f.get()).isInstanceOf(SendResult.Accepted.class);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(smtp.accepted()).hasSize(60);
        assertThat(smtp.connections()).isBetween(1, 3);
    }

    @ParameterizedTest(name = "{1} at {0} -> retry")
    @CsvSource({
        "GREETING, 421 4.3.2 service not available",
        "MAIL, 451 4.3.0 local error",
        "MAIL, 421 4.7.0 too many connections",
        "RCPT, 452 4.2.2 mailbox full",
        "RCPT, 451 4.7.1 greylisted",
        "DATA, 451 4.3.0 try later",
        "DOT, 451 4.3.0 queue full"})
    void transientRepliesAreRetries(String step, String reply) {
        smtp.reply(step, reply);
        SendResult r = sender(1, Duration.ofSeconds(5)).send(Messages.email("t:email", "ada@example.org"));
        assertThat(r).isInstanceOf(SendResult.Retry.class);
        assertThat(((SendResult.Retry) r).reason()).contains(reply.substring(0, 3));
        assertThat(smtp.accepted()).isEmpty();
    }

    @ParameterizedTest(name = "{1} at {0} -> {2}")
    @CsvSource({
        "RCPT, 550 5.1.1 user unknown, HARD_BOUNCE",
        "RCPT, 551 5.1.6 user not local, HARD_BOUNCE",
        "RCPT, 553 5.1.3 mailbox name not allowed, HARD_BOUNCE",
        "RCPT, 552 5.2.2 over quota, OTHER",
        "RCPT, 550 user unknown, HARD_BOUNCE",
        "RCPT, 550 5.2.1 mailbox disabled, HARD_BOUNCE",
        "RCPT, 550 5.7.1 blocked by policy, OTHER",
        "RCPT, 554 5.7.1 relay access denied, OTHER",
        "MAIL, 550 5.7.1 sender refused, OTHER",
        "DOT, 554 5.7.1 message rejected as spam, OTHER"})
    void permanentRepliesAreRejections(String step, String reply, Failure failure) {
        smtp.reply(step, reply);
        SendResult r = sender(1, Duration.ofSeconds(5)).send(Messages.email("p:email", "ada@example.org"));
        assertThat(r).isInstanceOf(SendResult.Rejected.class);
        assertThat(((SendResult.Rejected) r).failure()).isEqualTo(failure);
        assertThat(((SendResult.Rejected) r).reason()).contains(reply.substring(0, 3));
    }

    @Test
    void aRetryAfterATransientFailureCarriesTheSameMessageId() {
        SmtpSender sender = sender(1, Duration.ofSeconds(5));
        smtp.reply("DOT", "451 4.3.0 queue full");
        assertThat(sender.send(Messages.email("same:email", "ada@example.org"))).isInstanceOf(SendResult.Retry.class);
        smtp.normal();
        assertThat(sender.send(Messages.email("same:email", "ada@example.org")))
                .isInstanceOf(SendResult.Accepted.class);
        assertThat(smtp.received()).hasSize(2);
        String first = header(smtp.received().get(0), "Message-ID");
        assertThat(first).isEqualTo(MessageIds.forKey("same:email", "shop.example"))
                .isEqualTo(header(smtp.received().get(1), "Message-ID"));
    }

    @Test
    void noReplyToTheEndOfDataIsInDoubtAndNotRetried() {
        smtp.stallAfterData();
        long start = System.nanoTime();
        SendResult r = sender(1, Duration.ofMillis(700)).send(Messages.email("doubt:email", "ada@example.org"));
        assertThat(r).isInstanceOfSatisfying(SendResult.InDoubt.class,d -> assertThat(d.providerId()).isEqualTo(MessageIds.bare(MessageIds.forKey("doubt:email", "shop.example"))));
        assertThat(smtp.received()).as("sent once, not again on a fresh connection").hasSize(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aConnectionRefusedIsARetry() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        SmtpSender sender = new SmtpSender(SmtpServer.of("127.0.0.1", closedPort),
                Messages.settings(1, Duration.ofSeconds(2)), clock);
        senders.add(sender);
        SendResult r = sender.send(Messages.email("refused:email", "ada@example.org"));
        assertThat(r).isInstanceOf(SendResult.Retry.class);
        assertThat(((SendResult.Retry) r).reason()).contains("cannot connect");
    }

    @Test
    void aPooledConnectionTheServerDroppedIsReplacedWithoutFailingTheMessage() {
        smtp.dropAfterMessage();
        SmtpSender sender = sender(1, Duration.ofSeconds(5));
        for (int i = 0; i < 3; i++) {
            assertThat(sender.send(Messages.email("drop-" + i + ":email", "ada@example.org")))
                    .isInstanceOf(SendResult.Accepted.class);
        }
        assertThat(smtp.accepted()).hasSize(3);
        assertThat(smtp.connections()).isEqualTo(3);
    }

    @Test
    void aConnectionIdleLongerThanMaxIdleIsReplacedBeforeUse() {
        SmtpSender sender = sender(1, Duration.ofSeconds(5));
        assertThat(sender.send(Messages.email("idle-1:email", "ada@example.org"))).isInstanceOf(
                SendResult.Accepted.class);
        clock.advance(Duration.ofSeconds(61));
        assertThat(sender.send(Messages.email("idle-2:email", "ada@example.org"))).isInstanceOf(
                SendResult.Accepted.class);
        assertThat(smtp.connections()).isEqualTo(2);
    }

    @Test
    void malformedAddressesAreInvalidWithoutTouchingTheServer() {
        SmtpSender sender = sender(1, Duration.ofSeconds(5));
        for (String bad : List.of("not-an-address", "two@@example.org", "a@b.c, d@e.f", "")) {
            SendResult r = sender.send(Messages.email("bad:email", bad));
            assertThat(r).as(bad).isInstanceOf(SendResult.Rejected.class);
            assertThat(((SendResult.Rejected) r).failure()).isEqualTo(Failure.INVALID_ADDRESS);
        }
        assertThat(smtp.connections()).isZero();
    }

    static String header(String raw, String name) {
        for (String line : raw.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }
}
