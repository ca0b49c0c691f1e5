package io.activation.channels.email;

import jakarta.mail.MessagingException;
import jakarta.mail.NoSuchProviderException;
import jakarta.mail.Session;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed set of SMTP connections, opened on first use and reused for message after message (one SMTP session,
 * many {@code MAIL FROM} transactions). A caller borrows one, sends, and gives it back; a connection that failed in
 * any way is closed and replaced by a fresh (unconnected) one, which connects on its next use. A connection idle
 * longer than {@code maxIdle}, or that carried {@code maxMessagesPerConnection} messages, is replaced on borrow
 * instead of risking the server's idle timeout or per-connection limit. No NOOP probing: a stale connection shows
 * itself by failing before DATA, which the sender retries once on a fresh connection.
 */
final class SmtpConnectionPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SmtpConnectionPool.class);

    private final Session session;
    private final SmtpServer server;
    private final Clock clock;
    private final Duration maxIdle;
    private final int maxMessagesPerConnection;
    private final BlockingDeque<Connection> free;
    private final List<Connection> all = new ArrayList<>();
    private final AtomicLong opened = new AtomicLong();
    private volatile boolean closed;

    SmtpConnectionPool(Session session, SmtpServer server, Clock clock, int size, Duration maxIdle,
            int maxMessagesPerConnection) {
        this.session = session;
        this.server = server;
        this.clock = clock;
        this.maxIdle = maxIdle;
        this.maxMessagesPerConnection = maxMessagesPerConnection;
        this.free = new LinkedBlockingDeque<>(size);
        for (int i = 0; i < size; i++) {
            Connection c = new Connection();
            all.add(c);
            free.addLast(c);
        }
    }

    /** Connections opened so far (a measure of reuse). */
    long opened() {
        return opened.get();
    }

    /** A connection, or null when none was free within {@code wait}. Not yet connected: see {@link Connection#open}. */
    Connection borrow(Duration wait) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("the SMTP connection pool is closed");
        }
        Connection c = free.pollFirst(wait.toNanos(), TimeUnit.NANOSECONDS);
        if (c != null && c.transport != null) {
            boolean idleTooLong = Duration.between(c.lastUsed, clock.instant()).compareTo(maxIdle) > 0;
            boolean usedUp = maxMessagesPerConnection > 0 && c.sent >= maxMessagesPerConnection;
            if (idleTooLong || usedUp) {
                c.close();
            }
        }
        return c;
    }

    /** Gives a connection back after a successful transaction. */
    void release(Connection c) {
        c.sent++;
        c.lastUsed = clock.instant();
        // Last in, first out: the open connections stay busy, the rest stay closed until load needs them.
        free.addFirst(c);
    }

    /** Gives a connection back after a failure: it is closed and reconnects on its next use. */
    void discard(Connection c) {
        c.close();
        free.addLast(c);
    }

    @Override
    public void close() {
        closed = true;
        for (Connection c : all) {
            synchronized (c) {
                c.close();
            }
        }
    }

    /** One pooled SMTP connection. */
    final class Connection {
        private SMTPTransport transport;
        private Instant lastUsed = Instant.EPOCH;
        private int sent;

        /** True when it is open from an earlier use (so a failure may just mean the server dropped it). */
        boolean isOpen() {
            return transport != null;
        }

        /** The transport, connected. */
        SMTPTransport open() throws MessagingException {
            if (transport == null) {
                SMTPTransport t;
                try {
                    t = (SMTPTransport) session.getTransport(server.protocol());
                } catch (NoSuchProviderException e) {
                    throw new IllegalStateException("Jakarta Mail has no " + server.protocol() + " provider", e);
                }
                t.connect(server.host(), server.port(), server.username(), server.password());
                opened.incrementAndGet();
                transport = t;
                sent = 0;
                lastUsed = clock.instant();
            }
            return transport;
        }

        void close() {
            SMTPTransport t = transport;
            transport = null;
            if (t != null) {
                try {
                    t.close();
                } catch (MessagingException | RuntimeException e) {
                    log.debug("Closing an SMTP connection failed (already gone)", e);
                }
            }
        }
    }
}
