package io.activation.benchmark;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sender benchmark's stand-in for a remote SMS/HTTP provider: a JDK {@link HttpServer} (HTTP/1.1, keep-alive) on a
 * loopback port that reads each {@code POST /messages} request whole and answers {@code 201 {"sid":"SM<n>"}} with
 * {@code Content-Type: application/json} {@code latencyMillis} after reading it.
 *
 * <p>Two ways of holding a call for its latency, the same bytes on the wire either way:
 * <ul>
 *   <li><b>scheduled</b> (default since session 5): the server's dispatcher thread reads the request and hands the
 *       answer to a one-thread scheduler, which writes it when the latency is up. A call in flight holds no thread, as
 *       at a real provider, whose threads are not on our cores.</li>
 *   <li><b>sleeping</b> (sessions 3 and 4, {@code -Dbench.stub=sleeping}): every call is handed to a pool thread that
 *       reads it, sleeps through the latency and answers: up to {@code concurrency} sleeping threads, and two thread
 *       hand-offs and a timed park per call, all on the two measured cores.</li>
 * </ul>
 * The stub's sockets have {@code TCP_NODELAY} set ({@code sun.net.httpserver.nodelay}, the JDK server's only switch
 * for it, read once per JVM when the first server starts): the JDK server writes an answer's headers and body in two
 * writes, and with Nagle's algorithm on the body waited for the client's delayed ACK of the headers, about 40 ms on
 * Linux, so a "50 ms" call took 90-96 ms (session 6 measured 96.5 ms against 56.0 ms one call at a time, and 94 ms
 * per call inside the benchmark). Providers' front ends (nginx {@code tcp_nodelay on}, Go's and Netty's defaults) set
 * it. {@code -Dbench.stubNodelay=false} keeps the sessions 3-5 stub for comparison.
 *
 * <p>The CPU time of the stub's own threads (dispatcher, pool or scheduler) is counted, so the benchmark can report what
 * the stand-in costs per call and leave it out of what the sender costs.
 */
final class ProviderStub {

    private final HttpServer server;
    private final int latencyMillis;
    private final boolean scheduled;
    private final boolean nodelay;
    private final AtomicLong calls = new AtomicLong();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final ExecutorService pool;
    private final ScheduledExecutorService answers;

    ProviderStub(int latencyMillis, boolean scheduled, int concurrency, boolean nodelay) throws IOException {
        this.latencyMillis = latencyMillis;
        this.scheduled = scheduled;
        this.nodelay = nodelay;
        // Read by the JDK server's configuration once, when the first server of the JVM is created (this one).
        System.setProperty("sun.net.httpserver.nodelay", Boolean.toString(nodelay));
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        if (scheduled) {
            this.pool = null;
            this.answers = Executors.newSingleThreadScheduledExecutor(counted("provider-stub-answers"));
            // No executor: the handler runs on the dispatcher thread. It only reads the (small) request and
            // schedules the answer, so it never waits for the latency.
            server.createContext("/messages", exchange -> {
                read(exchange);
                answers.schedule(() -> answer(exchange), latencyMillis, TimeUnit.MILLISECONDS);
            });
        } else {
            this.answers = null;
            this.pool = Executors.newFixedThreadPool(concurrency + 64, counted("provider-stub-pool"));
            server.setExecutor(pool);
            server.createContext("/messages", exchange -> {
                read(exchange);
                try {
                    Thread.sleep(latencyMillis); // the provider's latency
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                answer(exchange);
            });
        }
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/messages");
    }

    /** Calls answered so far. */
    long calls() {
        return calls.get();
    }

    /** How the stub holds a call, for the report. */
    String describe() {
        return (scheduled
                ? "JDK HttpServer, request read on its dispatcher thread, answered " + latencyMillis
                        + " ms later by a one-thread scheduler"
                : "JDK HttpServer, one pool thread per call sleeping " + latencyMillis + " ms")
                + (nodelay ? ", TCP_NODELAY" : ", Nagle's algorithm on (sessions 3-5: about 40 ms more per call)");
    }

    /** CPU time (user and system) the stub's threads have used so far, in nanoseconds. */
    long cpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread t : threads) {
            long cpu = mx.getThreadCpuTime(t.getId());
            if (cpu > 0) {
                total += cpu;
            }
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            // The server's own dispatcher thread (the application's web server is not a JDK HttpServer).
            if (t.getName().equals("HTTP-Dispatcher")) {
                long cpu = mx.getThreadCpuTime(t.getId());
                if (cpu > 0) {
                    total += cpu;
                }
            }
        }
        return total;
    }

    void stop() {
        server.stop(0);
        if (pool != null) {
            pool.shutdownNow();
        }
        if (answers != null) {
            answers.shutdownNow();
        }
    }

    /** Reads the whole request body (its Content-Length, or to the end when it has none). */
    private static void read(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            String length = exchange.getRequestHeaders().getFirst("Content-Length");
            if (length != null) {
                int n = Integer.parseInt(length.trim());
                if (in.readNBytes(n).length != n) {
                    throw new IOException("request body shorter than its Content-Length");
                }
            }
            in.readAllBytes();
        }
    }

    private void answer(HttpExchange exchange) {
        try {
            byte[] body = ("{\"sid\":\"SM" + calls.incrementAndGet() + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(201, body.length);
            exchange.getResponseBody().write(body);
        } catch (IOException e) {
            // The client gave up on the call (its timeout): nothing to answer.
        } finally {
            exchange.close();
        }
    }

    private ThreadFactory counted(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            threads.add(t);
            return t;
        };
    }
}
