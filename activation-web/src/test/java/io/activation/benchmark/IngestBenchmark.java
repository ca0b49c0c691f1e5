package io.activation.benchmark;

import io.activation.access.AccessControl;
import io.activation.access.Scope;
import io.activation.web.ActivationApplication;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.boot.test.context.TestComponent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;

/**
 * The ingest benchmark of {@code docs/benchmarks.md}: starts the whole application (embedded PostgreSQL and Kafka,
 * ephemeral, demo data off), warms it up and measures, in one run on one machine:
 * <ol>
 * <li>the raw PostgreSQL ceilings for the same rows (batched INSERT and COPY, {@link RawPostgres});</li>
 * <li>batch ingest, {@code POST /api/v1/events/batch} with 100 events per request, closed loop;</li>
 * <li>single-event ingest, {@code POST /api/v1/events} with an {@code Idempotency-Key}, open loop at a fixed
 * arrival rate, latency counted from the scheduled send time (no coordinated omission); when the first rate does
 * not hold p99 &lt;= 50 ms, lower rates are tried;</li>
 * <li>that the outbox drained to Kafka: records published against events and contacts accepted.</li>
 * </ol>
 * Run by {@code ./mvnw -B -ntp -pl activation-web -am -Pbenchmark verify}; never part of the test suite. Settings are
 * system properties {@code bench.*} (see {@link Settings}). Writes the report to {@code bench.output}.
 */
public final class IngestBenchmark {

    static final String ADMIN_KEY = "benchmark-admin-key-0123456789";
    private static final String EVENTS = "/api/v1/events";
    private static final String BATCH = "/api/v1/events/batch";
    private static final double P99_GOAL_MS = 50;
    /** A request of the open loop not sent within this time of its schedule is counted as lost. */
    private static final long MAX_LATENESS_NANOS = 2_000_000_000L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * What to run; each field is the system property {@code bench.<name>}.
     *
     * @param rates single-event arrival rates to try, per second, highest first; the run stops at the first that
     *              holds
     */
    record Settings(List<Integer> rates, int singleSeconds, int fallbackSeconds, int connections, int batchSeconds,
            int batchClients, int batchSize, int rawSeconds, int rawConnections, int copyRows, int warmupSeconds,
            int contacts, int drainFillSeconds, Path output) {

        static Settings fromSystemProperties() {
            return new Settings(
                    Arrays.stream(System.getProperty("bench.rates", "5000,4000,3000,2500,2000,1500,1000,500").split(","))
                            .map(String::trim).map(Integer::parseInt).toList(),
                    Integer.getInteger("bench.singleSeconds", 30),
                    Integer.getInteger("bench.fallbackSeconds", 15),
                    Integer.getInteger("bench.connections", 64),
                    Integer.getInteger("bench.batchSeconds", 30),
                    Integer.getInteger("bench.batchClients", 4),
                    Integer.getInteger("bench.batchSize", 100),
                    Integer.getInteger("bench.rawSeconds", 10),
                    Integer.getInteger("bench.rawConnections", 4),
                    Integer.getInteger("bench.copyRows", 1000),
                    Integer.getInteger("bench.warmupSeconds", 60),
                    Integer.getInteger("bench.contacts", 10_000),
                    Integer.getInteger("bench.drainFillSeconds", 5),
                    Path.of(System.getProperty("bench.output", "target/benchmark/ingest-results.md")));
        }
    }

    /** One open-loop run at a fixed arrival rate. */
    record Single(int rate, int seconds, int sent, int accepted, int errors, int dropped,
            double achievedPerSecond, Latencies latencies, MachineStats.Usage usage, double generatorShare,
            long published, long backlog, Drain drain, String firstError) {

        boolean holds() {
            return errors == 0 && dropped == 0 && latencies.percentileMillis(99) <= P99_GOAL_MS
                    && achievedPerSecond >= 0.98 * rate;
        }
    }

    /** The closed-loop batch run. */
    record Batch(int clients, int size, long requests, long accepted, long rejected, double seconds,
            Latencies latencies, MachineStats.Usage usage, double generatorShare, long published, long backlog,
            Drain drain, String firstError) {

        double eventsPerSecond() {
            return accepted / seconds;
        }
    }

    /** How the outbox emptied once the load stopped. */
    record Drain(long backlog, double seconds, long published) {
        double perSecond() {
            return seconds <= 0 ? Double.NaN : backlog / seconds;
        }
    }

    private final Settings settings;
    private final ConfigurableApplicationContext context;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong acceptedByApi = new AtomicLong();
    private int port;
    private String apiKey;
    private String jdbcUrl;
    private String jdbcUser;
    private String jdbcPassword;
    private Connection monitor;
    private Admin kafka;
    private long postmasterPid;
    private String[] externalIds;

    private IngestBenchmark(Settings settings, ConfigurableApplicationContext context) {
        this.settings = settings;
        this.context = context;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.fromSystemProperties();
        String loadBefore = MachineStats.loadAverage();
        long started = System.nanoTime();
        ConfigurableApplicationContext context = startApplication();
        int exit = 1;
        try {
            exit = new IngestBenchmark(settings, context).run(loadBefore, started);
        } catch (Throwable e) {
            e.printStackTrace();
        } finally {
            context.close();
        }
        // The embedded services keep non-daemon threads; the benchmark is over.
        System.exit(exit);
    }

    /** The application as shipped, ephemeral embedded services, demo off; {@code extra} are more arguments. */
    static ConfigurableApplicationContext startApplication(String... extra) {
        SpringApplication application = new SpringApplication(ActivationApplication.class);
        // The test classpath holds @TestConfiguration classes (a MutableClock); component scanning must skip them
        // as a Spring Boot test would.
        application.addInitializers(context -> context.getBeanFactory().registerSingleton(
                "benchmarkSkipsTestComponents", new TypeExcludeFilter() {
                    @Override
                    public boolean match(MetadataReader reader, MetadataReaderFactory factory) {
                        return reader.getAnnotationMetadata().isAnnotated(TestComponent.class.getName());
                    }

                    @Override
                    public boolean equals(Object other) {
                        return other == this;
                    }

                    @Override
                    public int hashCode() {
                        return System.identityHashCode(this);
                    }
                }));
        List<String> arguments = new ArrayList<>(List.of(
                "--server.port=0",
                "--activation.embedded.ephemeral=true",
                "--activation.demo.enabled=false",
                "--activation.security.bootstrap-api-key=" + ADMIN_KEY,
                "--logging.level.org.apache.kafka=WARN",
                "--logging.level.kafka=WARN",
                "--logging.level.state.change.logger=WARN"));
        arguments.addAll(List.of(extra));
        ConfigurableApplicationContext context = application.run(arguments.toArray(String[]::new));
        Clock clock = context.getBean(Clock.class);
        if (!clock.getClass().getName().startsWith("java.time.")) {
            throw new IllegalStateException("The application runs on a test clock: " + clock.getClass());
        }
        return context;
    }

    private int run(String loadBefore, long started) throws Exception {
        Environment env = context.getEnvironment();
        port = Integer.parseInt(env.getRequiredProperty("local.server.port"));
        jdbcUrl = env.getRequiredProperty("spring.datasource.url");
        jdbcUser = env.getProperty("spring.datasource.username");
        jdbcPassword = env.getProperty("spring.datasource.password");
        monitor = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
        postmasterPid = MachineStats.postmasterPid(monitor, warning -> log("%s", warning));
        kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                env.getRequiredProperty("spring.kafka.bootstrap-servers")));
        apiKey = context.getBean(AccessControl.class).issue("benchmark", Set.of(Scope.INGEST)).secret();
        externalIds = new String[settings.contacts()];
        for (int i = 0; i < externalIds.length; i++) {
            externalIds[i] = String.format("bench-%s-%06d", runId, i);
        }
        log("Application up on port %d after %.1f s; PostgreSQL postmaster pid %d", port,
                (System.nanoTime() - started) / 1e9, postmasterPid);

        // Warm-up: create the contacts, then both endpoints until the JIT has settled.
        long warmStart = System.nanoTime();
        for (int from = 0; from < externalIds.length; from += settings.batchSize()) {
            try (HttpConnection http = new HttpConnection("127.0.0.1", port, apiKey)) {
                StringBuilder body = new StringBuilder("{\"items\":[");
                for (int i = from; i < Math.min(externalIds.length, from + settings.batchSize()); i++) {
                    body.append(i == from ? "" : ",").append(Payloads.apiEvent(externalIds[i], Instant.now(), i,
                            runId + "-c-" + i));
                }
                HttpConnection.Answer answer = http.post(BATCH, null, body.append("]}").toString()
                        .getBytes(StandardCharsets.UTF_8));
                if (answer.status() != 200 || !answer.text().contains("\"rejected\":0")) {
                    throw new IllegalStateException("Warm-up batch refused: " + answer.status() + " " + answer.text());
                }
                acceptedByApi.addAndGet(Math.min(externalIds.length, from + settings.batchSize()) - from);
            }
        }
        long[] contactIds = contactIds();
        log("Warm-up: %d contacts created", contactIds.length);
        // Both endpoints in turn, closed loop, until the JIT compiler has little left to do (it otherwise takes
        // a core away from the first measured phase) or the warm-up time is up.
        long warmEnd = System.nanoTime() + settings.warmupSeconds() * 1_000_000_000L;
        for (int round = 0; ; round++) {
            long compiledBefore = MachineStats.compilerJiffies();
            long roundStart = System.nanoTime();
            Batch warmBatch = batch(3, "wb" + round);
            Single warmSingle = closedLoopSingle(settings.batchClients() * 4, 5, "ws" + round);
            double jitShare = (MachineStats.compilerJiffies() - compiledBefore) / 100.0
                    / ((System.nanoTime() - roundStart) / 1e9);
            log("Warm-up round %d (%.1f s): batch %.0f events/s, single %.0f/s closed loop, JIT busy %.0f%% of"
                    + " one core", round, (System.nanoTime() - roundStart) / 1e9, warmBatch.eventsPerSecond(),
                    warmSingle.achievedPerSecond(), jitShare * 100);
            if (jitShare < 0.05 || System.nanoTime() > warmEnd) {
                break;
            }
        }
        log("Warm-up done in %.1f s", (System.nanoTime() - warmStart) / 1e9);

        // (c) raw ceilings, while the application is idle.
        RawPostgres raw = new RawPostgres(jdbcUrl, jdbcUser, jdbcPassword, contactIds);
        raw.createTables();
        Duration rawTime = Duration.ofSeconds(settings.rawSeconds());
        List<RawPostgres.Result> ceilings = new ArrayList<>();
        ceilings.add(raw.insert("INSERT events + outbox, 100 rows/tx", true, 100, settings.rawConnections(),
                rawTime, postmasterPid));
        raw.truncate();
        ceilings.add(raw.insert("INSERT events only, 100 rows/tx", false, 100, settings.rawConnections(), rawTime,
                postmasterPid));
        raw.truncate();
        ceilings.add(raw.copy("COPY events + outbox, " + settings.copyRows() + " rows/tx", settings.copyRows(),
                settings.rawConnections(), rawTime, postmasterPid));
        raw.truncate();
        ceilings.forEach(c -> log("Raw %s: %.0f events/s", c.name(), c.eventsPerSecond()));

        // (b) batch ingest.
        QuerySampler sampler = sampler();
        Batch batch = batch(settings.batchSeconds(), "b");
        if (sampler != null) {
            sampler.close();
            log("%s", sampler.report("batch"));
        }
        log("Batch: %.0f events/s, p99 %.1f ms per request, backlog %d, drained at %.0f/s", batch.eventsPerSecond(),
                batch.latencies().percentileMillis(99), batch.backlog(), batch.drain().perSecond());

        // The relay alone: hold it while batches fill the outbox, then time how fast it empties it.
        SmartLifecycle relay = context.getBean("outboxRelay", SmartLifecycle.class);
        relay.stop();
        Batch fill;
        try {
            fill = batch(settings.drainFillSeconds(), "d", false);
        } finally {
            relay.start();
        }
        Drain relayAlone = drain();
        log("Relay alone: %d records in %.1f s, %.0f/s", relayAlone.backlog(), relayAlone.seconds(),
                relayAlone.perSecond());

        // (a) single-event ingest, open loop, highest rate first.
        List<Single> singles = new ArrayList<>();
        double capacity = Double.MAX_VALUE;
        for (int rate : settings.rates()) {
            if (!singles.isEmpty() && rate > 1.1 * capacity) {
                continue; // an overloaded run served at most about 'capacity'; this rate cannot hold either
            }
            int seconds = singles.isEmpty() ? settings.singleSeconds() : settings.fallbackSeconds();
            sampler = sampler();
            Single single = openLoop(rate, seconds, "s" + rate);
            if (sampler != null) {
                sampler.close();
                log("%s", sampler.report("single at " + rate + "/s"));
            }
            singles.add(single);
            log("Single at %d/s: achieved %.0f/s, p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, errors %d, lost %d -> %s",
                    rate, single.achievedPerSecond(), single.latencies().percentileMillis(50),
                    single.latencies().percentileMillis(99), single.latencies().percentileMillis(99.9),
                    single.errors(), single.dropped(), single.holds() ? "holds" : "does not hold");
            if (single.holds()) {
                break;
            }
            if (single.dropped() > 0) {
                capacity = Math.min(capacity, single.achievedPerSecond());
            }
        }

        // Did everything accepted reach Kafka?
        drain();
        long events = count("select count(*) from events");
        long contacts = count("select count(*) from contacts");
        long published = publishedTotal();
        String loadAfter = MachineStats.loadAverage();
        // Every accepted event stored once, every change event (one per event, one per new contact) on Kafka.
        boolean consistent = outboxBacklog() == 0 && events == acceptedByApi.get()
                && published >= events + contacts;

        String report = report(loadBefore, loadAfter, ceilings, batch, relayAlone, singles, events, contacts,
                published, consistent);
        Files.createDirectories(settings.output().toAbsolutePath().getParent());
        Files.writeString(settings.output(), report);
        System.out.println();
        System.out.println(report);
        log("Report written to %s; whole run %.0f s", settings.output().toAbsolutePath(),
                (System.nanoTime() - started) / 1e9);
        kafka.close();
        monitor.close();
        return consistent ? 0 : 2;
    }

    /** Open loop: request i is due at start + i / rate, whatever happened to the ones before. */
    private Single openLoop(int rate, int seconds, String tag) throws Exception {
        int total = rate * seconds;
        long interval = 1_000_000_000L / rate;
        long[] latency = new long[total];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger dropped = new AtomicInteger();
        AtomicLong lastDone = new AtomicLong();
        AtomicLong generatorCpu = new AtomicLong();
        List<String> firstErrors = new CopyOnWriteArrayList<>();
        long publishedBefore = publishedTotal();
        MachineStats.Sample before = MachineStats.sample(postmasterPid);
        long start = System.nanoTime() + 20_000_000L;
        long end = start + seconds * 1_000_000_000L;
        Instant wallStart = Instant.now();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < settings.connections(); w++) {
            Thread worker = new Thread(() -> {
                long cpuStart = THREADS.getCurrentThreadCpuTime();
                try (HttpConnection http = new HttpConnection("127.0.0.1", port, apiKey)) {
                    int i;
                    while ((i = next.getAndIncrement()) < total) {
                        long due = start + i * interval;
                        byte[] body = Payloads.apiEvent(externalIds[Math.floorMod(i * 7919, externalIds.length)],
                                wallStart.plusNanos(i * interval), i, null).getBytes(StandardCharsets.UTF_8);
                        String key = runId + "-" + tag + "-" + i;
                        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                            LockSupport.parkNanos(wait);
                        }
                        long late = System.nanoTime() - due;
                        if (late > MAX_LATENESS_NANOS) {
                            // The application is this far behind the arrival rate: it does not hold. Count the
                            // request as lost with the latency it has already accrued, and do not stretch the
                            // phase by sending it; this keeps an overloaded phase to its planned duration.
                            latency[i] = late;
                            dropped.incrementAndGet();
                            continue;
                        }
                        int status;
                        String error = null;
                        try {
                            HttpConnection.Answer answer = http.post(EVENTS, key, body);
                            status = answer.status();
                            if (status != 202) {
                                error = status + " " + answer.text();
                            }
                        } catch (IOException e) {
                            status = -1;
                            error = e.toString();
                        }
                        long done = System.nanoTime();
                        latency[i] = done - due;
                        lastDone.accumulateAndGet(done, Math::max);
                        if (error == null) {
                            accepted.incrementAndGet();
                        } else {
                            errors.incrementAndGet();
                            if (firstErrors.size() < 3) {
                                firstErrors.add(error);
                            }
                        }
                    }
                }
                generatorCpu.addAndGet(THREADS.getCurrentThreadCpuTime() - cpuStart);
            }, "bench-open-loop-" + w);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        MachineStats.Sample after = MachineStats.sample(postmasterPid);
        long backlog = outboxBacklog();
        long published = publishedTotal() - publishedBefore;
        acceptedByApi.addAndGet(accepted.get());
        double elapsed = (Math.max(end, lastDone.get()) - start) / 1e9;
        MachineStats.Usage usage = MachineStats.between(before, after);
        Drain drain = drain();
        return new Single(rate, seconds, total, accepted.get(), errors.get(), dropped.get(), accepted.get() / elapsed,
                new Latencies(latency, total), usage, usage.share(generatorCpu.get(), MachineStats.cores()),
                published, backlog, drain, firstErrors.isEmpty() ? null : firstErrors.get(0));
    }

    /** Warm-up only: {@code clients} connections each sending its next event when the last was answered. */
    private Single closedLoopSingle(int clients, int seconds, String tag) throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread worker = new Thread(() -> {
                try (HttpConnection http = new HttpConnection("127.0.0.1", port, apiKey)) {
                    for (int i = client; System.nanoTime() < end; i += clients) {
                        byte[] body = Payloads.apiEvent(externalIds[Math.floorMod(i * 7919, externalIds.length)],
                                Instant.now(), i, null).getBytes(StandardCharsets.UTF_8);
                        try {
                            if (http.post(EVENTS, runId + "-" + tag + "-" + i, body).status() == 202) {
                                accepted.incrementAndGet();
                            } else {
                                errors.incrementAndGet();
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        }
                    }
                }
            }, "bench-warm-up-" + c);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        acceptedByApi.addAndGet(accepted.get());
        if (errors.get() > 0) {
            throw new IllegalStateException(errors.get() + " warm-up requests failed");
        }
        drain();
        return new Single(0, seconds, accepted.get() + errors.get(), accepted.get(), errors.get(), 0,
                accepted.get() / elapsed, new Latencies(new long[0], 0), null, 0, 0, 0, null, null);
    }

    /** Closed loop: each client sends its next batch when the previous one is answered. */
    private Batch batch(int seconds, String tag) throws Exception {
        return batch(seconds, tag, true);
    }

    private Batch batch(int seconds, String tag, boolean drainAfter) throws Exception {
        int clients = settings.batchClients();
        int size = settings.batchSize();
        AtomicLong requests = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        AtomicLong generatorCpu = new AtomicLong();
        Map<Integer, long[]> latencies = new ConcurrentHashMap<>();
        Map<Integer, Integer> counts = new ConcurrentHashMap<>();
        List<String> firstErrors = new CopyOnWriteArrayList<>();
        long publishedBefore = publishedTotal();
        MachineStats.Sample before = MachineStats.sample(postmasterPid);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        AtomicLong lastDone = new AtomicLong(start);
        List<Thread> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread worker = new Thread(() -> {
                long cpuStart = THREADS.getCurrentThreadCpuTime();
                long[] own = new long[1 << 16];
                int n = 0;
                try (HttpConnection http = new HttpConnection("127.0.0.1", port, apiKey)) {
                    for (int request = 0; System.nanoTime() < end && n < own.length; request++) {
                        StringBuilder body = new StringBuilder(size * 330).append("{\"items\":[");
                        Instant now = Instant.now();
                        for (int k = 0; k < size; k++) {
                            int seq = (request * size + k) * clients + client;
                            body.append(k == 0 ? "" : ",").append(Payloads.apiEvent(
                                    externalIds[Math.floorMod(seq * 7919, externalIds.length)], now, seq,
                                    runId + "-" + tag + "-" + client + "-" + request + "-" + k));
                        }
                        byte[] bytes = body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
                        long sent = System.nanoTime();
                        try {
                            HttpConnection.Answer answer = http.post(BATCH, null, bytes);
                            long done = System.nanoTime();
                            own[n++] = done - sent;
                            lastDone.accumulateAndGet(done, Math::max);
                            requests.incrementAndGet();
                            String text = answer.text();
                            int ok = answer.status() == 200 ? number(text, "\"accepted\":") : 0;
                            accepted.addAndGet(ok);
                            rejected.addAndGet(size - ok);
                            if (ok != size && firstErrors.size() < 3) {
                                firstErrors.add(answer.status() + " " + text.substring(0, Math.min(500,
                                        text.length())));
                            }
                        } catch (IOException e) {
                            rejected.addAndGet(size);
                            if (firstErrors.size() < 3) {
                                firstErrors.add(e.toString());
                            }
                        }
                    }
                }
                latencies.put(client, own);
                counts.put(client, n);
                generatorCpu.addAndGet(THREADS.getCurrentThreadCpuTime() - cpuStart);
            }, "bench-batch-" + c);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        MachineStats.Sample after = MachineStats.sample(postmasterPid);
        long backlog = outboxBacklog();
        long published = publishedTotal() - publishedBefore;
        acceptedByApi.addAndGet(accepted.get());
        long[] all = latencies.entrySet().stream()
                .flatMapToLong(e -> Arrays.stream(e.getValue(), 0, counts.get(e.getKey()))).toArray();
        MachineStats.Usage usage = MachineStats.between(before, after);
        Drain drain = drainAfter ? drain() : null;
        return new Batch(clients, size, requests.get(), accepted.get(), rejected.get(),
                (lastDone.get() - start) / 1e9, new Latencies(all, all.length), usage,
                usage.share(generatorCpu.get(), MachineStats.cores()), published, backlog, drain,
                firstErrors.isEmpty() ? null : firstErrors.get(0));
    }

    private QuerySampler sampler() {
        return Boolean.getBoolean("bench.sampleQueries") ? new QuerySampler(jdbcUrl, jdbcUser, jdbcPassword) : null;
    }

    /** Waits until the relay has published the whole outbox, and how fast it did. */
    private Drain drain() throws Exception {
        long backlog = outboxBacklog();
        long publishedBefore = publishedTotal();
        long start = System.nanoTime();
        long deadline = start + Duration.ofMinutes(3).toNanos();
        long left = backlog;
        while (left > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The outbox did not drain in 3 minutes; " + left + " records left");
            }
            Thread.sleep(20);
            left = outboxBacklog();
        }
        return new Drain(backlog, (System.nanoTime() - start) / 1e9, publishedTotal() - publishedBefore);
    }

    private long outboxBacklog() throws SQLException {
        return count("select count(*) from outbox");
    }

    private long count(String sql) throws SQLException {
        try (Statement s = monitor.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long[] contactIds() throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement s = monitor.createStatement();
                ResultSet rs = s.executeQuery("select id from contacts where external_id like 'bench-" + runId
                        + "-%'")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private String setting(String name) throws SQLException {
        try (Statement s = monitor.createStatement(); ResultSet rs = s.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Records ever written to the events topic (its end offsets), so also what the relay published. */
    private long publishedTotal() throws Exception {
        String topic = "activation.events";
        var description = kafka.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
        description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()),
                OffsetSpec.latest()));
        long sum = 0;
        for (var info : kafka.listOffsets(request).all().get().values()) {
            sum += info.offset();
        }
        return sum;
    }

    private static int number(String text, String after) {
        int at = text.lastIndexOf(after);
        if (at < 0) {
            return 0;
        }
        int i = at + after.length();
        int value = 0;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            value = value * 10 + (text.charAt(i++) - '0');
        }
        return value;
    }

    private String report(String loadBefore, String loadAfter, List<RawPostgres.Result> ceilings, Batch batch,
            Drain relayAlone, List<Single> singles, long events, long contacts, long published, boolean consistent)
            throws SQLException {
        StringBuilder r = new StringBuilder();
        int cores = MachineStats.cores();
        r.append("## Ingest benchmark, run ").append(runId).append(" at ")
                .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC))).append("\n\n");
        r.append(String.format("- Machine: %d cores (%s), %s memory; load average before %s, after %s%n", cores,
                MachineStats.cpuModel(), MachineStats.memory(), loadBefore, loadAfter));
        r.append(String.format("- JVM: %s %s, %s; flags %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"),
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(g -> g.getName()).toList(),
                ManagementFactory.getRuntimeMXBean().getInputArguments()));
        r.append(String.format("- PostgreSQL %s (embedded): synchronous_commit=%s, fsync=%s, shared_buffers=%s;"
                + " Hikari pool %s; Kafka in-process, acks=all%n", setting("server_version"),
                setting("synchronous_commit"), setting("fsync"), setting("shared_buffers"),
                context.getEnvironment().getProperty("spring.datasource.hikari.maximum-pool-size", "10")));
        r.append(String.format("- Event: product_viewed, about %d bytes of JSON, %d distinct contacts (all existing"
                + " after warm-up)%n%n", Payloads.apiEvent(externalIds[0], Instant.now(), 1, null).length(),
                externalIds.length));

        r.append("### Raw PostgreSQL ceilings (plain JDBC, ").append(settings.rawConnections())
                .append(" connections, ").append(settings.rawSeconds()).append(" s each)\n\n");
        r.append("| Baseline | events/s | rows/s | machine busy | PostgreSQL CPU | JVM CPU | other processes"
                + " | CPU µs/event: PostgreSQL + client |\n");
        r.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (RawPostgres.Result c : ceilings) {
            int rowsPerEvent = c.name().contains("outbox") ? 2 : 1;
            r.append(String.format("| %s | %,.0f | %,.0f | %s | %s | %s | %s | %s |%n", c.name(),
                    c.eventsPerSecond(), c.eventsPerSecond() * rowsPerEvent, pct(c.usage().busy()),
                    pct(c.usage().postgres()), pct(c.usage().jvm()), pct(c.usage().other()),
                    micros(c.usage(), c.usage().postgres(), c.usage().jvm(), c.eventsPerSecond())));
        }

        r.append("\n### Through the API (auth, validation, idempotency keys, contact resolution, outbox)\n\n");
        r.append("| Phase | offered | events/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | machine busy"
                + " | app + Kafka CPU (of which JIT) | generator CPU | PostgreSQL CPU | other processes"
                + " | CPU µs/event: PostgreSQL + app |\n");
        r.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        r.append(row(String.format("batch of %d, %d clients, %d s", batch.size(), batch.clients(),
                settings.batchSeconds()), "closed loop", batch.eventsPerSecond(), batch.latencies(),
                batch.rejected(), batch.usage(), batch.generatorShare()));
        for (Single s : singles) {
            r.append(row(String.format("single, %d s, %d connections", s.seconds(), settings.connections()),
                    String.format("%,d/s open loop", s.rate()), s.achievedPerSecond(), s.latencies(),
                    s.errors() + s.dropped(), s.usage(), s.generatorShare()));
        }
        r.append("\nBatch latencies are per request of ").append(batch.size()).append(" events; single latencies run"
                + " from the scheduled send time, and a request not sent within 2 s of it counts as an error (lost)"
                + " with the lateness as its latency.\n");

        RawPostgres.Result insert = ceilings.get(0);
        RawPostgres.Result insertOnly = ceilings.get(1);
        RawPostgres.Result copy = ceilings.get(2);
        Single first = singles.get(0);
        Single held = singles.stream().filter(Single::holds).findFirst().orElse(null);
        r.append("\n### Ratios and goals\n\n");
        r.append("| Figure | value | goal | met |\n|---|---:|---:|:-:|\n");
        r.append(String.format("| batch / raw INSERT (events + outbox) | %s | >= 50%% | %s |%n",
                pct(batch.eventsPerSecond() / insert.eventsPerSecond()),
                yes(batch.eventsPerSecond() >= 0.5 * insert.eventsPerSecond())));
        r.append(String.format("| batch / raw INSERT (events only) | %s | | |%n",
                pct(batch.eventsPerSecond() / insertOnly.eventsPerSecond())));
        r.append(String.format("| batch / raw COPY (events + outbox) | %s | | |%n",
                pct(batch.eventsPerSecond() / copy.eventsPerSecond())));
        r.append(String.format("| batch events/s | %,.0f | >= 25,000 | %s |%n", batch.eventsPerSecond(),
                yes(batch.eventsPerSecond() >= 25_000)));
        r.append(String.format("| single at %,d/s: achieved / offered | %s | >= 98%% | %s |%n", first.rate(),
                pct(first.achievedPerSecond() / first.rate()), yes(first.achievedPerSecond() >= 0.98 * first.rate())));
        r.append(String.format("| single at %,d/s: p99 | %.1f ms | <= 50 ms | %s |%n", first.rate(),
                first.latencies().percentileMillis(99), yes(first.holds())));
        r.append(String.format("| highest single rate tried that holds p99 <= 50 ms | %s | >= 5,000/s | %s |%n",
                held == null ? "none" : String.format("%,d/s", held.rate()),
                yes(held != null && held.rate() >= 5000)));

        r.append("\n### Outbox to Kafka\n\n");
        r.append("| Phase | published during load /s | backlog when load stopped | drain time s | drain rate /s |\n");
        r.append("|---|---:|---:|---:|---:|\n");
        r.append(String.format("| batch | %,.0f | %,d | %.1f | %s |%n", batch.published() / batch.seconds(),
                batch.backlog(), batch.drain().seconds(), rate(batch.drain())));
        for (Single s : singles) {
            r.append(String.format("| single %,d/s | %,.0f | %,d | %.1f | %s |%n", s.rate(),
                    s.published() / s.usage().seconds(), s.backlog(), s.drain().seconds(), rate(s.drain())));
        }
        r.append(String.format("%nThe relay alone (held while batches filled the outbox for %d s, then let go):"
                + " %,d records published in %.1f s, **%,.0f records/s**.%n", settings.drainFillSeconds(),
                relayAlone.backlog(), relayAlone.seconds(), relayAlone.perSecond()));
        r.append(String.format("%nWhole run: %,d events accepted by the API (client count %,d), %,d contacts"
                + " created; %,d change events expected on Kafka, %,d published (%,d duplicates from at-least-once"
                + " delivery); outbox empty: %s. %s%n", events, acceptedByApi.get(), contacts, events + contacts,
                published, published - events - contacts, yes(count("select count(*) from outbox") == 0),
                consistent ? "Consistent." : "INCONSISTENT: see the numbers."));
        if (batch.firstError() != null || singles.stream().anyMatch(s -> s.firstError() != null)) {
            r.append("\nFirst errors: ").append(batch.firstError() == null ? "" : "batch: " + batch.firstError());
            singles.stream().filter(s -> s.firstError() != null)
                    .forEach(s -> r.append(" single ").append(s.rate()).append(": ").append(s.firstError()));
            r.append('\n');
        }
        return r.toString();
    }

    private static String row(String phase, String offered, double perSecond, Latencies l, long errors,
            MachineStats.Usage usage, double generator) {
        double app = Math.max(0, usage.jvm() - generator);
        return String.format("| %s | %s | %,.0f | %.1f | %.1f | %.1f | %.1f | %d | %s | %s | %s | %s | %s | %s |%n",
                phase, offered, perSecond, l.percentileMillis(50), l.percentileMillis(99), l.percentileMillis(99.9),
                l.maxMillis(), errors, pct(usage.busy()), pct(app) + " (" + pct(usage.jit()) + ")", pct(generator),
                pct(usage.postgres()), pct(usage.other()), micros(usage, usage.postgres(), app, perSecond));
    }

    /** CPU time per event of PostgreSQL and of the JVM side, from their shares of the machine. */
    private static String micros(MachineStats.Usage usage, double postgres, double jvm, double perSecond) {
        double capacity = MachineStats.cores() * 1e6 / perSecond;
        return String.format("%.0f + %.0f = %.0f", postgres * capacity, jvm * capacity,
                (postgres + jvm) * capacity);
    }

    private static String rate(Drain drain) {
        return drain.backlog() < 1000 ? "(too small to tell)" : String.format("%,.0f", drain.perSecond());
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    private static String yes(boolean met) {
        return met ? "yes" : "**no**";
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench %s] %s%n", java.time.LocalTime.now().withNano(0),
                String.format(Locale.ROOT, format, args));
    }
}
