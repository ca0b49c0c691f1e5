package io.activation.benchmark;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The ceilings: what plain JDBC gets out of the same PostgreSQL for the same rows, with no HTTP, no validation, no
 * idempotency keys and no contact resolution. Each event is one row in a copy of {@code events} (same columns,
 * indexes and foreign key to {@code contacts}) and, unless {@code withOutbox} is false, one row in a copy of
 * {@code outbox} carrying a CloudEvents payload of the size the API writes. The copies live in schema
 * {@code bench_raw}, so the outbox relay never sees them.
 */
final class RawPostgres {

    /** The result of one baseline: events (rows of {@code events}) written and the time it took. */
    record Result(String name, long events, double seconds, MachineStats.Usage usage) {
        double eventsPerSecond() {
            return events / seconds;
        }
    }

    private final String url;
    private final String user;
    private final String password;
    private final long[] contactIds;

    RawPostgres(String url, String user, String password, long[] contactIds) {
        this.url = url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
        this.user = user;
        this.password = password;
        this.contactIds = contactIds;
    }

    void createTables() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("create schema if not exists bench_raw");
            s.execute("drop table if exists bench_raw.events, bench_raw.outbox");
            s.execute("create table bench_raw.events (like public.events including all)");
            s.execute("alter table bench_raw.events add foreign key (contact_id) references public.contacts (id)"
                    + " on delete cascade");
            s.execute("create table bench_raw.outbox (like public.outbox including all)");
        }
    }

    void truncate() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("truncate bench_raw.events, bench_raw.outbox");
        }
    }

    /**
     * JDBC batches of {@code rowsPerTransaction} events (rewritten by the driver into multi-row INSERTs), one
     * transaction per batch, on {@code connections} connections at once, for {@code duration}.
     */
    Result insert(String name, boolean withOutbox, int rowsPerTransaction, int connections, Duration duration,
            long postmasterPid) throws Exception {
        return run(name, connections, duration, postmasterPid, c -> {
            try (PreparedStatement events = c.prepareStatement("insert into bench_raw.events (id, contact_id, type,"
                    + " occurred_at, received_at, source, properties) values (?, ?, ?, ?, ?, ?, ?::jsonb)");
                    PreparedStatement outbox = c.prepareStatement("insert into bench_raw.outbox (topic,"
                            + " message_key, payload, created_at) values (?, ?, ?, ?)")) {
                OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                for (int i = 0; i < rowsPerTransaction; i++) {
                    UUID id = UUID.randomUUID();
                    long contact = randomContact();
                    events.setObject(1, id);
                    events.setLong(2, contact);
                    events.setString(3, "product_viewed");
                    events.setObject(4, now);
                    events.setObject(5, now);
                    events.setString(6, "api");
                    events.setString(7, Payloads.properties(i));
                    events.addBatch();
                    if (withOutbox) {
                        outbox.setString(1, "activation.events");
                        outbox.setString(2, Long.toString(contact));
                        outbox.setString(3, Payloads.cloudEvent(id, contact, now.toInstant(), i));
                        outbox.setObject(4, now);
                        outbox.addBatch();
                    }
                }
                events.executeBatch();
                if (withOutbox) {
                    outbox.executeBatch();
                }
                c.commit();
                return rowsPerTransaction;
            }
        });
    }

    /** COPY of {@code rowsPerTransaction} events (and their outbox rows) per transaction. */
    Result copy(String name, int rowsPerTransaction, int connections, Duration duration, long postmasterPid)
            throws Exception {
        return run(name, connections, duration, postmasterPid, c -> {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder events = new StringBuilder(rowsPerTransaction * 260);
            StringBuilder outbox = new StringBuilder(rowsPerTransaction * 700);
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            String at = now.toString();
            for (int i = 0; i < rowsPerTransaction; i++) {
                UUID id = UUID.randomUUID();
                long contact = randomContact();
                events.append(id).append('\t').append(contact).append("\tproduct_viewed\t").append(at).append('\t')
                        .append(at).append("\tapi\t").append(copyText(Payloads.properties(i))).append('\n');
                outbox.append("activation.events\t").append(contact).append('\t')
                        .append(copyText(Payloads.cloudEvent(id, contact, now.toInstant(), i))).append('\t')
                        .append(at).append('\n');
            }
            try {
                copy.copyIn("copy bench_raw.events (id, contact_id, type, occurred_at, received_at, source,"
                        + " properties) from stdin", new StringReader(events.toString()));
                copy.copyIn("copy bench_raw.outbox (topic, message_key, payload, created_at) from stdin",
                        new StringReader(outbox.toString()));
            } catch (IOException e) {
                throw new SQLException(e);
            }
            c.commit();
            return rowsPerTransaction;
        });
    }

    long count(String table) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                var rs = s.executeQuery("select count(*) from bench_raw." + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private interface Unit {
        int run(Connection connection) throws SQLException;
    }

    private Result run(String name, int connections, Duration duration, long postmasterPid, Unit unit)
            throws Exception {
        AtomicLong written = new AtomicLong();
        List<Connection> open = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Connection c = connect();
            c.setAutoCommit(false);
            open.add(c);
        }
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        MachineStats.Sample before = MachineStats.sample(postmasterPid);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (Connection c : open) {
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        written.addAndGet(unit.run(c));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "raw-" + name);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        MachineStats.Sample after = MachineStats.sample(postmasterPid);
        for (Connection c : open) {
            c.close();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("Raw baseline " + name + " failed", failures.get(0));
        }
        return new Result(name, written.get(), seconds, MachineStats.between(before, after));
    }

    private long randomContact() {
        return contactIds[ThreadLocalRandom.current().nextInt(contactIds.length)];
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    /** Escapes a value for COPY's text format. */
    private static String copyText(String value) {
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }
}
