package io.activation.benchmark;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A poor man's profiler of PostgreSQL for diagnosis ({@code -Dbench.sampleQueries=true}): polls
 * {@code pg_stat_activity} and counts which statements are running (and what they wait on) when looked at. The share
 * of samples a statement gets approximates its share of the server's busy time.
 */
final class QuerySampler implements AutoCloseable {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong samples = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    QuerySampler(String url, String user, String password) {
        thread = new Thread(() -> {
            try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
                while (running) {
                    samples.incrementAndGet();
                    try (ResultSet rs = s.executeQuery("select coalesce(wait_event_type || ':' || wait_event, 'CPU'),"
                            + " left(regexp_replace(query, '\\s+', ' ', 'g'), 110) from pg_stat_activity"
                            + " where state = 'active' and pid <> pg_backend_pid() and backend_type = 'client backend'")) {
                        while (rs.next()) {
                            counts.computeIfAbsent(rs.getString(1) + " | " + rs.getString(2), k -> new AtomicLong())
                                    .incrementAndGet();
                        }
                    }
                    Thread.sleep(3);
                }
            } catch (SQLException | InterruptedException e) {
                // diagnosis only
            }
        }, "bench-query-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }

    String report(String title) {
        StringBuilder r = new StringBuilder("Active statements sampled during ").append(title).append(" (")
                .append(samples.get()).append(" samples; backends per sample):\n");
        counts.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().get(), a.getValue().get())).limit(15)
                .forEach(e -> r.append(String.format("  %6.3f  %s%n", e.getValue().get() / (double) samples.get(),
                        e.getKey())));
        return r.toString();
    }
}
