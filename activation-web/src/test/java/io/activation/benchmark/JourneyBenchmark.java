package io.activation.benchmark;

import io.activation.access.AccessControl;
import io.activation.access.Scope;
import io.activation.ingest.OutboxMessage;
import io.activation.journey.JourneyProperties;
import io.activation.journey.Scenario;
import io.activation.journey.Scenarios;
import io.activation.journey.TimerPoller;
import io.activation.template.Templates;
import io.activation.web.ActivationApplication;
import io.activation.web.embedded.EmbeddedPostgresServer;
import io.activation.web.embedded.EmbeddedServices;
import io.activation.web.embedded.EmbeddedSettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.boot.test.context.TestComponent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The journey engine benchmark of {@code docs/benchmarks.md}: starts the application (embedded PostgreSQL and Kafka,
 * ephemeral, demo data off, roles api and engine) on a clock the benchmark can move ({@link ShiftedClock}: real
 * time plus an offset), and measures in one run:
 * <ol>
 * <li>(a) event to message-request latency: a scenario "event bench_purchase -> send"; events are posted through
 * {@code POST /api/v1/events} in an open loop at a fixed total rate, one in {@code bench.sampleEvery} a
 * {@code bench_purchase} of a contact of its own, the rest {@code product_viewed} events that match no scenario;
 * the latency runs from the event's scheduled send time to the arrival of its message request on Kafka
 * {@code activation.messages} at a consumer of the benchmark;</li>
 * <li>(b) a burst of timers due at once: {@code bench.timers} journeys waiting on a one-hour wait, written set-based
 * in SQL in the shape the engine writes them; the raw PostgreSQL ceiling (the poller's claim, update and outbox
 * insert in plain JDBC on a copy of the timers); then the clock moves past the due time and the drain is timed:
 * claimed (fired_at), applied by the engine (the send step's message request) and published to Kafka;</li>
 * <li>(c) heap after GC, RSS and thread counts of the JVM before, during and after (b).</li>
 * </ol>
 * Run by {@code ./mvnw -B -ntp -pl activation-web -am -Pbenchmark-journeys verify}; never part of the test suite.
 */
public final class JourneyBenchmark {

    private static final String ADMIN_KEY = "benchmark-admin-key-0123456789";
    private static final String EVENTS = "/api/v1/events";
    private static final String MESSAGES_TOPIC = "activation.messages";
    private static final String EVENTS_TOPIC = "activation.events";
    private static final long MAX_LATENESS_NANOS = 2_000_000_000L;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Settings, each the system property {@code bench.<name>}. */
    record Settings(int rate, int latencySeconds, int latencyWarmupSeconds, int sampleEvery, int connections,
            int backgroundContacts, int timers, int timersWarmup, int rawConnections, int drainMaxSeconds,
            String phases, Path output) {

        static Settings fromSystemProperties() {
            return new Settings(
                    Integer.getInteger("bench.eventRate", 1000),
                    Integer.getInteger("bench.latencySeconds", 60),
                    Integer.getInteger("bench.latencyWarmupSeconds", 100),
                    Integer.getInteger("bench.sampleEvery", 10),
                    Integer.getInteger("bench.connections", 16),
                    Integer.getInteger("bench.backgroundContacts", 10_000),
                    Integer.getInteger("bench.timers", 1_000_000),
                    Integer.getInteger("bench.timersWarmup", 0),
                    Integer.getInteger("bench.rawConnections", 1),
                    Integer.getInteger("bench.drainMaxSeconds", 1200),
                    System.getProperty("bench.phases", "latency,timers"),
                    Path.of(System.getProperty("bench.output", "target/benchmark/journey-results.md")));
        }
    }

    /** Real time plus an offset the benchmark moves forward: timers fall due without waiting for them. */
    static final class ShiftedClock extends Clock {

        private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset.get());
        }

        void advance(Duration d) {
            offset.updateAndGet(o -> o.plus(d));
        }
    }

    record LatencyResult(int rate, int seconds, int sent, int accepted, int errors, int dropped, double achieved,
            int samples, int arrived, Latencies fromSchedule, Latencies fromSend, Latencies http,
            MachineStats.Usage usage, Map<String, Double> threadShares, String firstError, String tomcatStacks,
            String engineStacks) {}

    record RawResult(int connections, int batch, long claimed, double seconds, MachineStats.Usage usage) {
        double perSecond() {
            return claimed / seconds;
        }
    }

    record MemorySample(double at, long heapUsed, long heapAfterGc, long rss, int threads, int engineThreads) {}

    record DrainResult(long timers, long claimed, long requests, long published, double firstClaimSeconds,
            double claimSeconds, double applySeconds, double publishSeconds, boolean complete,
            MachineStats.Usage usage, Map<String, Double> threadShares, List<double[]> timeline,
            List<MemorySample> memory, String queries, String stacks, Probes probes) {}

    /**
     * Events of other contacts posted during the drain (one a second, a {@code bench_purchase} whose journey sends at
     * once): how long an event waits behind the burst, from its POST to its message request written (engine clock).
     */
    record Probes(int sent, int arrived, double p50Millis, double maxMillis) {}

    private final Settings settings;
    private final ConfigurableApplicationContext context;
    private final ShiftedClock clock;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    /** WAL written by PostgreSQL during the raw baseline and during the drain (report lines). */
    private String walRaw = "";
    private String walDrain = "";
    /** The warm-up burst of (b), drained before the raw baseline and the measured burst; null without one. */
    private DrainResult warmupDrain;
    private int port;
    private String apiKey;
    private String jdbcUrl;
    private String jdbcUser;
    private String jdbcPassword;
    private Connection monitor;
    private Admin kafka;
    private String bootstrap;
    private long postmasterPid;

    private JourneyBenchmark(Settings settings, ConfigurableApplicationContext context, ShiftedClock clock) {
        this.settings = settings;
        this.context = context;
        this.clock = clock;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.fromSystemProperties();
        String loadBefore = MachineStats.loadAverage();
        long started = System.nanoTime();
        ShiftedClock clock = new ShiftedClock();
        configurePostgres(System.getProperty("bench.journeys.postgres", ""));
        ConfigurableApplicationContext context = startApplication(clock);
        int exit = 1;
        try {
            exit = new JourneyBenchmark(settings, context, clock).run(loadBefore, started);
        } catch (Throwable e) {
            e.printStackTrace();
        } finally {
            context.close();
        }
        System.exit(exit);
    }

    /**
     * Server settings for the embedded PostgreSQL, "name=value" separated by commas (empty: the server's defaults),
     * set with ALTER SYSTEM before the application starts, the server then restarted: the application, the raw
     * baseline and the drain all run on the server so configured. The JVM-wide embedded services are created here
     * with the settings the application's arguments give them, so the application finds this server running.
     */
    private static void configurePostgres(String settings) throws SQLException {
        if (settings.isBlank() || settings.startsWith("${")) {
            return;
        }
        EmbeddedPostgresServer postgres = EmbeddedServices.shared(new EmbeddedSettings(true,
                Path.of(EmbeddedSettings.DEFAULT_DATA_DIR), true, 0, 0, EmbeddedSettings.DEFAULT_SMTP_PORT,
                EmbeddedSettings.DEFAULT_IMAP_PORT)).postgres();
        try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(),
                postgres.password()); Statement s = db.createStatement()) {
            for (String setting : settings.split(",")) {
                String[] nameValue = setting.trim().split("=", 2);
                if (!nameValue[0].matches("[a-z_]+") || nameValue.length < 2) {
                    throw new IllegalArgumentException("bench.journeys.postgres: not name=value: " + setting);
                }
                s.execute("alter system set " + nameValue[0] + " = '" + nameValue[1].replace("'", "''") + "'");
            }
        }
        postgres.stop();
        postgres.start();
    }

    private static ConfigurableApplicationContext startApplication(ShiftedClock clock) {
        SpringApplication application = new SpringApplication(ActivationApplication.class);
        application.addInitializers(context -> {
            context.getBeanFactory().registerSingleton("benchmarkSkipsTestComponents", new TypeExcludeFilter() {
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
            });
            // The platform's Clock bean is @ConditionalOnMissingBean: this one takes its place everywhere.
            ((GenericApplicationContext) context).registerBean("benchmarkClock", Clock.class, () -> clock,
                    definition -> definition.setPrimary(true));
        });
        ConfigurableApplicationContext context = application.run(
                "--server.port=0",
                "--activation.embedded.ephemeral=true",
                "--activation.demo.enabled=false",
                "--activation.roles=api,engine",
                "--activation.security.bootstrap-api-key=" + ADMIN_KEY,
                "--logging.level.org.apache.kafka=WARN",
                "--logging.level.kafka=WARN",
                "--logging.level.state.change.logger=WARN");
        if (context.getBean(Clock.class) != clock) {
            throw new IllegalStateException("The application does not run on the benchmark's clock");
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
        bootstrap = env.getRequiredProperty("spring.kafka.bootstrap-servers");
        kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        apiKey = context.getBean(AccessControl.class).issue("benchmark", Set.of(Scope.INGEST)).secret();
        log("Application up on port %d after %.1f s; PostgreSQL postmaster pid %d", port,
                (System.nanoTime() - started) / 1e9, postmasterPid);

        Templates templates = context.getBean(Templates.class);
        templates.create(new Templates.TemplateInput("bench-mail", "email", "Hello", "Hello {{ first_name }}"));
        Scenarios scenarios = context.getBean(Scenarios.class);
        Scenario latencyScenario = scenarios.activate(scenarios.create(JSON.readTree("""
                {"name": "bench: purchase -> send", "trigger": {"type": "event", "eventType": "bench_purchase"},
                 "steps": [{"id": "thanks", "send": {"channels": [{"channel": "email", "template": "bench-mail"}]}}]}
                """)).id());
        Scenario timerScenario = scenarios.activate(scenarios.create(JSON.readTree("""
                {"name": "bench: wait 1 h -> send", "trigger": {"type": "event", "eventType": "bench_never_posted"},
                 "start": "wait-1h",
                 "steps": [{"id": "wait-1h", "wait": {"duration": "PT1H"}, "next": "remind"},
                           {"id": "remind", "send": {"channels": [{"channel": "email", "template": "bench-mail"}]}}]}
                """)).id());

        // (a) event -> message request latency under background load.
        LatencyResult latency = settings.phases().contains("latency") ? latency(latencyScenario) : null;
        if (latency != null) log("Latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d samples (%d arrived); load %.0f/s of %d/s",
                latency.fromSchedule().percentileMillis(50), latency.fromSchedule().percentileMillis(99),
                latency.fromSchedule().maxMillis(), latency.samples(), latency.arrived(), latency.achieved(),
                latency.rate());

        // (b) the timer burst: journeys written set-based, the raw ceiling, then the drain.
        // Only when asked for: -Dbench.phases=latency runs (a) alone.
        RawResult raw = null;
        DrainResult drain = null;
        if (settings.phases().contains("timers")) {
            if (settings.timersWarmup() > 0) {
                // A smaller burst of the same scenario, drained and not measured, so the JIT has compiled the
                // drain's paths before the raw baseline and the measured burst (docs/benchmarks.md, Session 7).
                Instant warmDue = clock.instant().plus(Duration.ofHours(1));
                createWaitingJourneys(timerScenario, warmDue, settings.timersWarmup());
                warmupDrain = drain(timerScenario, warmDue, settings.timersWarmup(), false);
                log("Warm-up burst of %,d timers drained: published at %,.0f/s; JIT %s of the machine",
                        settings.timersWarmup(), warmupDrain.published() / warmupDrain.publishSeconds(),
                        pct(warmupDrain.usage().jit()));
            }
            Instant due = clock.instant().plus(Duration.ofHours(1));
            long setupStart = System.nanoTime();
            createWaitingJourneys(timerScenario, due, settings.timers());
            log("%,d waiting journeys with their timers written in %.1f s", settings.timers(),
                    (System.nanoTime() - setupStart) / 1e9);
            int batch = context.getBean(JourneyProperties.class).timerBatchSize();
            raw = raw(due, batch, settings.rawConnections());
            log("Raw claim + update + outbox insert: %,.0f timers/s (%d connection(s), %d per transaction)",
                    raw.perSecond(), raw.connections(), raw.batch());
            drain = drain(timerScenario, due, settings.timers(), true);
            log("Drain: claimed at %,.0f/s, applied at %,.0f/s, published at %,.0f/s; complete %s",
                    drain.claimed() / drain.claimSeconds(), drain.requests() / drain.applySeconds(),
                    drain.published() / drain.publishSeconds(), drain.complete());
        }

        String loadAfter = MachineStats.loadAverage();
        String report = report(loadBefore, loadAfter, latency, raw, drain);
        Path output = settings.output();
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, report);
        System.out.println();
        System.out.println(report);
        log("Report written to %s; whole run %.0f s", output.toAbsolutePath(), (System.nanoTime() - started) / 1e9);
        kafka.close();
        monitor.close();
        // Goals missed are results, not failures: the report says so. Only an exception ends the run non-zero.
        return 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // (a) latency

    private LatencyResult latency(Scenario scenario) throws Exception {
        int rate = settings.rate();
        int warmup = settings.latencyWarmupSeconds();
        int total = rate * (warmup + settings.latencySeconds());
        int every = settings.sampleEvery();
        int sampleCount = (total + every - 1) / every;
        // Contacts: a pool for the background, and one contact of its own per sampled event, so the message
        // request's key (the contact id) names the event it answers.
        String prefix = "jb-" + runId + "-";
        execute("insert into contacts (external_id, first_name, created_at, updated_at) select '" + prefix
                + "bg-' || g, 'Bench', now(), now() from generate_series(0, " + (settings.backgroundContacts() - 1)
                + ") g");
        execute("insert into contacts (external_id, first_name, created_at, updated_at) select '" + prefix
                + "s-' || g, 'Bench', now(), now() from generate_series(0, " + (sampleCount - 1) + ") g");
        Map<Long, Integer> sampleOfContact = new HashMap<>();
        try (Statement s = monitor.createStatement();
                ResultSet rs = s.executeQuery("select id, substring(external_id from " + (prefix.length() + 3)
                        + ")::int from contacts where external_id like '" + prefix + "s-%'")) {
            while (rs.next()) {
                sampleOfContact.put(rs.getLong(1), rs.getInt(2));
            }
        }
        String[] background = new String[settings.backgroundContacts()];
        for (int i = 0; i < background.length; i++) {
            background[i] = prefix + "bg-" + i;
        }
        execute("analyze contacts");

        warmUp(background);

        long[] arrival = new long[sampleCount];
        long[] dueOf = new long[sampleCount];
        long[] sentOf = new long[sampleCount];
        AtomicInteger arrived = new AtomicInteger();
        KafkaConsumer<String, String> consumer = messagesConsumer();
        var stopConsumer = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            while (!stopConsumer.get()) {
                var records = consumer.poll(Duration.ofMillis(50));
                long now = System.nanoTime();
                for (ConsumerRecord<String, String> r : records) {
                    Integer sample = r.key() == null ? null : sampleOfContact.get(Long.parseLong(r.key()));
                    if (sample != null && arrival[sample] == 0) {
                        arrival[sample] = now;
                        arrived.incrementAndGet();
                    }
                }
            }
            consumer.close();
        }, "bench-messages-reader");
        reader.start();

        long interval = 1_000_000_000L / rate;
        long[] http = new long[total];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger dropped = new AtomicInteger();
        List<String> firstErrors = new CopyOnWriteArrayList<>();
        long start = System.nanoTime() + 50_000_000L;
        long measureFrom = start + warmup * 1_000_000_000L;
        MachineStats.Sample[] usageFrom = new MachineStats.Sample[1];
        StackSampler[] samplers = new StackSampler[2];
        Map<Long, Long>[] threadsFrom = new Map[1];
        Thread marker = new Thread(() -> {
            LockSupport.parkNanos(Math.max(0, measureFrom - System.nanoTime()));
            usageFrom[0] = MachineStats.sample(postmasterPid);
            threadsFrom[0] = threadCpu();
            samplers[0] = new StackSampler("http-nio");
            samplers[1] = new StackSampler("journey-engine");
        }, "bench-marker");
        marker.start();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < settings.connections(); w++) {
            Thread worker = new Thread(() -> {
                try (HttpConnection connection = new HttpConnection("127.0.0.1", port, apiKey)) {
                    int i;
                    while ((i = next.getAndIncrement()) < total) {
                        long due = start + i * interval;
                        boolean sampled = i % every == 0;
                        String body;
                        if (sampled) {
                            body = "{\"type\":\"bench_purchase\",\"contact\":{\"externalId\":\"" + prefix + "s-"
                                    + (i / every) + "\"},\"properties\":{\"order\":\"" + i + "\",\"total\":49.90}}";
                        } else {
                            body = Payloads.apiEvent(background[Math.floorMod(i * 7919, background.length)],
                                    Instant.now(), i, null);
                        }
                        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                            LockSupport.parkNanos(wait);
                        }
                        long sent = System.nanoTime();
                        if (sent - due > MAX_LATENESS_NANOS) {
                            http[i] = sent - due;
                            dropped.incrementAndGet();
                            continue;
                        }
                        if (sampled) {
                            dueOf[i / every] = due;
                            sentOf[i / every] = sent;
                        }
                        String error = null;
                        try {
                            HttpConnection.Answer answer = connection.post(EVENTS, null, bytes);
                            if (answer.status() != 202) {
                                error = answer.status() + " " + answer.text();
                            }
                        } catch (IOException e) {
                            error = e.toString();
                        }
                        http[i] = System.nanoTime() - due;
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
            }, "bench-open-loop-" + w);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        marker.join();
        MachineStats.Sample usageTo = MachineStats.sample(postmasterPid);
        Map<String, Double> shares = threadShares(threadsFrom[0], threadCpu(), usageFrom[0], usageTo);
        String tomcatStacks = samplers[0].stop();
        String engineStacks = samplers[1].stop();
        double elapsed = (System.nanoTime() - start) / 1e9;
        // The requests of events sent up to the end: wait for the stragglers (bounded).
        long deadline = System.nanoTime() + 120_000_000_000L;
        int expected = 0;
        for (int s = 0; s < sampleCount; s++) {
            expected += dueOf[s] != 0 ? 1 : 0;
        }
        while (arrived.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        long gaveUp = System.nanoTime();
        stopConsumer.set(true);
        reader.join();

        // Samples of the measured interval only (the first latencyWarmupSeconds warm the JIT and the caches).
        long[] fromSchedule = new long[sampleCount];
        long[] fromSend = new long[sampleCount];
        int n = 0;
        int missing = 0;
        int samples = 0;
        for (int s = 0; s < sampleCount; s++) {
            if (start + (long) s * every * interval < measureFrom) {
                continue; // warm-up
            }
            samples++;
            long due = start + (long) s * every * interval;
            if (arrival[s] == 0) {
                // Not there when the wait ended (or never sent: lost): it counts with the time waited so far, a
                // lower bound, so the percentiles are not flattered by the requests that never came.
                missing++;
                fromSchedule[n] = gaveUp - due;
                fromSend[n] = gaveUp - (sentOf[s] == 0 ? due : sentOf[s]);
            } else {
                fromSchedule[n] = arrival[s] - dueOf[s];
                fromSend[n] = arrival[s] - sentOf[s];
            }
            n++;
        }
        int firstMeasured = (int) ((long) warmup * rate);
        long[] httpMeasured = java.util.Arrays.copyOfRange(http, firstMeasured, total);
        return new LatencyResult(rate, settings.latencySeconds(), total, accepted.get(), errors.get(),
                dropped.get(), accepted.get() / elapsed, samples, samples - missing, new Latencies(fromSchedule, n),
                new Latencies(fromSend, n), new Latencies(httpMeasured, httpMeasured.length),
                MachineStats.between(usageFrom[0], usageTo), shares, firstErrors.isEmpty() ? null : firstErrors.get(0),
                tomcatStacks, engineStacks);
    }

    /**
     * Closed loop for {@code bench.warmupSeconds} (the same mix: product views and purchases that start journeys,
     * for the background contacts), so the JIT has compiled the paths before the open loop starts; then waits until
     * the engine has caught up with what it was sent.
     */
    private void warmUp(String[] background) throws Exception {
        int seconds = Integer.getInteger("bench.warmupSeconds", 30);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicInteger sent = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int client = c;
            Thread worker = new Thread(() -> {
                try (HttpConnection connection = new HttpConnection("127.0.0.1", port, apiKey)) {
                    for (int i = client; System.nanoTime() < end; i += 8) {
                        String contact = background[Math.floorMod(i * 7919, background.length)];
                        String body = i % settings.sampleEvery() == 0
                                ? "{\"type\":\"bench_purchase\",\"contact\":{\"externalId\":\"" + contact
                                        + "\"},\"properties\":{\"order\":\"w" + i + "\",\"total\":49.90}}"
                                : Payloads.apiEvent(contact, Instant.now(), i, null);
                        if (connection.post(EVENTS, null, body.getBytes(StandardCharsets.UTF_8)).status() != 202) {
                            throw new IllegalStateException("warm-up event refused");
                        }
                        sent.incrementAndGet();
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "bench-warm-up-" + c);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        long caughtUp = System.nanoTime();
        long lag = engineLag(180);
        log("Warm-up: %,d events in %d s closed loop (%.0f/s); engine caught up %.1f s later (lag %d)", sent.get(),
                seconds, sent.get() / (double) seconds, (System.nanoTime() - caughtUp) / 1e9, lag);
    }

    /** Waits (up to a limit) until the engine's consumer group has read everything on activation.events. */
    private long engineLag(int maxSeconds) throws Exception {
        String group = context.getBean(JourneyProperties.class).consumerGroup();
        long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
        long lag;
        do {
            Thread.sleep(500);
            long committed = 0;
            for (var o : kafka.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values()) {
                committed += o == null ? 0 : o.offset();
            }
            lag = endOffsets(EVENTS_TOPIC) - committed + count("select count(*) from outbox");
        } while (lag > 0 && System.nanoTime() < deadline);
        return lag;
    }

    private KafkaConsumer<String, String> messagesConsumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = consumer.partitionsFor(MESSAGES_TOPIC).stream()
                .map(i -> new TopicPartition(MESSAGES_TOPIC, i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the positions now, before the load starts
        return consumer;
    }

    // ---------------------------------------------------------------------------------------------------------
    // (b) timers

    /**
     * Journeys as the engine leaves them when it enters a one-hour wait (instance waiting at the step, step_seq 1,
     * its timer pending, history "started" and "waiting"), for contacts of their own, written set-based.
     */
    private void createWaitingJourneys(Scenario scenario, Instant due, int n) throws SQLException {
        String prefix = "jt-" + runId + "-" + due.toEpochMilli() + "-";
        long instancesBefore = count("select coalesce(max(id), 0) from journey_instances");
        Timestamp now = Timestamp.from(clock.instant());
        long t0 = System.nanoTime();
        execute("insert into contacts (external_id, first_name, created_at, updated_at) select '" + prefix
                + "' || g, 'Bench', now(), now() from generate_series(1, " + n + ") g");
        log("  contacts: %.1f s", (System.nanoTime() - t0) / 1e9);
        try (PreparedStatement ps = monitor.prepareStatement("""
                insert into journey_instances (scenario_id, version, contact_id, status, current_step, step_seq,
                    waiting_timer, trigger_data, started_at, updated_at)
                select ?, ?, id, 'waiting', 'wait-1h', 1, null, '{"eventType": "bench_never_posted"}'::jsonb, ?, ?
                from contacts where external_id like ? order by id""")) {
            ps.setLong(1, scenario.id());
            ps.setInt(2, scenario.activeVersion());
            ps.setTimestamp(3, now);
            ps.setTimestamp(4, now);
            ps.setString(5, prefix + "%");
            ps.executeUpdate();
        }
        log("  instances: %.1f s", (System.nanoTime() - t0) / 1e9);
        try (PreparedStatement ps = monitor.prepareStatement("""
                insert into journey_timers (instance_id, contact_id, step_id, due_at, status)
                select id, contact_id, 'wait-1h', ?, 'pending' from journey_instances where scenario_id = ?
                and id > ? order by id""")) {
            ps.setTimestamp(1, Timestamp.from(due));
            ps.setLong(2, scenario.id());
            ps.setLong(3, instancesBefore);
            ps.executeUpdate();
        }
        execute("update journey_instances j set waiting_timer = t.id from journey_timers t"
                + " where t.instance_id = j.id and j.scenario_id = " + scenario.id() + " and j.id > "
                + instancesBefore);
        log("  timers: %.1f s", (System.nanoTime() - t0) / 1e9);
        try (PreparedStatement ps = monitor.prepareStatement("""
                insert into journey_history (instance_id, step_id, entered, at, outcome, reason)
                select id, s.step_id, s.entered, ?, s.outcome, s.reason from journey_instances,
                    (values (null::varchar, false, 'started', 'version 1, bench'),
                            ('wait-1h', true, 'waiting', 'waiting PT1H')) as s(step_id, entered, outcome, reason)
                where scenario_id = ? and id > ?""")) {
            ps.setTimestamp(1, now);
            ps.setLong(2, scenario.id());
            ps.setLong(3, instancesBefore);
            ps.executeUpdate();
        }
        log("  history: %.1f s", (System.nanoTime() - t0) / 1e9);
        // As autovacuum would have done long before the hour is up.
        for (String table : List.of("contacts", "journey_instances", "journey_timers", "journey_history")) {
            execute("vacuum analyze " + table);
        }
        log("  vacuum analyze: %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The ceiling: what the poller does, in plain JDBC, on a copy of the timers (schema bench_raw): claim a batch
     * of due timers FOR UPDATE SKIP LOCKED, mark them fired, insert their announcement (TimerPoller.announce: one
     * timers-fired CloudEvent per partition of the batch) into a copy of the outbox (one unnest insert, as
     * Outbox.append), commit; until none is left.
     */
    private RawResult raw(Instant due, int batch, int connections) throws Exception {
        execute("drop schema if exists bench_raw cascade");
        execute("create schema bench_raw");
        execute("create table bench_raw.journey_timers (like public.journey_timers including all)");
        execute("create table bench_raw.outbox (like public.outbox including all)");
        execute("insert into bench_raw.journey_timers overriding system value select * from public.journey_timers"
                + " where status = 'pending' and due_at <= '" + Timestamp.from(due).toInstant() + "'");
        execute("vacuum analyze bench_raw.journey_timers");
        // The poller's own announcement (timers grouped by partition, as the drain's poller writes them).
        TimerPoller poller = context.getBean(TimerPoller.class);
        int partitions = context.getBean(KafkaTemplate.class).partitionsFor(EVENTS_TOPIC).size();
        Instant claimAt = due.plusSeconds(1);
        AtomicLong claimed = new AtomicLong();
        long[] walBefore = wal();
        MachineStats.Sample before = MachineStats.sample(postmasterPid);
        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread worker = new Thread(() -> {
                try (Connection db = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword)) {
                    db.setAutoCommit(false);
                    PreparedStatement select = db.prepareStatement("""
                            select id, instance_id, contact_id, step_id from bench_raw.journey_timers
                            where status = 'pending' and due_at <= ? order by due_at limit ?
                            for update skip locked""");
                    PreparedStatement update = db.prepareStatement(
                            "update bench_raw.journey_timers set status = 'fired', fired_at = ? where id = any(?)");
                    PreparedStatement insert = db.prepareStatement("""
                            insert into bench_raw.outbox (topic, message_key, payload, created_at)
                            select t, k, p, ?
                            from unnest(?::varchar[], ?::varchar[], ?::text[]) with ordinality as x(t, k, p, n)
                            order by n""");
                    while (true) {
                        Timestamp now = Timestamp.from(claimAt);
                        select.setTimestamp(1, now);
                        select.setInt(2, batch);
                        List<Long> ids = new ArrayList<>(batch);
                        List<TimerPoller.Due> claimedNow = new ArrayList<>(batch);
                        try (ResultSet rs = select.executeQuery()) {
                            while (rs.next()) {
                                long id = rs.getLong(1);
                                ids.add(id);
                                claimedNow.add(new TimerPoller.Due(id, rs.getLong(2), rs.getLong(3), rs.getString(4)));
                            }
                        }
                        List<OutboxMessage> messages = poller.announce(claimedNow, partitions);
                        if (ids.isEmpty()) {
                            db.commit();
                            return;
                        }
                        update.setTimestamp(1, now);
                        update.setArray(2, db.createArrayOf("bigint", ids.toArray()));
                        update.executeUpdate();
                        String[] topics = new String[messages.size()];
                        String[] keys = new String[messages.size()];
                        String[] payloads = new String[messages.size()];
                        for (int i = 0; i < messages.size(); i++) {
                            topics[i] = messages.get(i).topic();
                            keys[i] = messages.get(i).key();
                            payloads[i] = messages.get(i).payload();
                        }
                        insert.setObject(1, java.time.OffsetDateTime.now(ZoneOffset.UTC));
                        insert.setArray(2, db.createArrayOf("varchar", topics));
                        insert.setArray(3, db.createArrayOf("varchar", keys));
                        insert.setArray(4, db.createArrayOf("text", payloads));
                        insert.executeUpdate();
                        db.commit();
                        claimed.addAndGet(ids.size());
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "bench-raw-" + c);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        MachineStats.Sample after = MachineStats.sample(postmasterPid);
        walRaw = walText(walBefore, wal(), claimed.get());
        if (!failures.isEmpty()) {
            throw new IllegalStateException("Raw claim failed", failures.get(0));
        }
        execute("drop schema bench_raw cascade");
        return new RawResult(connections, batch, claimed.get(), seconds, MachineStats.between(before, after));
    }

    private DrainResult drain(Scenario scenario, Instant due, int n, boolean measured) throws Exception {
        List<MemorySample> memory = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        memory.add(memory(t0, true)); // before: after a full GC
        long requestsBase = count("select coalesce(max(id), 0) from message_requests");
        long publishedBase = endOffsets(MESSAGES_TOPIC);
        long eventsBase = endOffsets(EVENTS_TOPIC);
        QuerySampler sampler = measured && Boolean.getBoolean("bench.sampleQueries")
                ? new QuerySampler(jdbcUrl, jdbcUser, jdbcPassword) : null;
        long[] walBefore = wal();
        long[] updatesBefore = requestUpdates();
        MachineStats.Sample before = MachineStats.sample(postmasterPid);
        Map<Long, Long> threadsBefore = threadCpu();
        StackSampler stacks = new StackSampler("journey-engine");
        // Move the clock past the due time: from the next poll on, every timer is due.
        clock.advance(Duration.between(clock.instant(), due).plusSeconds(1));
        Instant advancedAt = clock.instant();
        String probePrefix = "probe-" + runId + "-" + due.toEpochMilli() + "-";
        Map<String, Instant> probes = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean(measured);
        Thread prober = new Thread(() -> {
            try (HttpConnection connection = new HttpConnection("127.0.0.1", port, apiKey)) {
                for (int i = 0; probing.get(); i++) {
                    String who = probePrefix + i;
                    Instant at = clock.instant();
                    byte[] body = ("{\"type\":\"bench_purchase\",\"contact\":{\"externalId\":\"" + who
                            + "\"},\"properties\":{\"order\":\"" + who + "\"}}").getBytes(StandardCharsets.UTF_8);
                    if (connection.post(EVENTS, null, body).status() == 202) {
                        probes.put(who, at);
                    }
                    Thread.sleep(1000);
                }
            } catch (IOException e) {
                log("Probe events stopped: %s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-probe");
        if (measured) {
            prober.start();
        }
        long start = System.nanoTime();
        long deadline = start + settings.drainMaxSeconds() * 1_000_000_000L;
        List<double[]> timeline = new ArrayList<>();
        MachineStats.Sample lastSample = before;
        long published = 0;
        long requests = 0;
        long nextMemory = start;
        while (System.nanoTime() < deadline) {
            Thread.sleep(250);
            long now = System.nanoTime();
            requests = count("select coalesce(max(id), 0) from message_requests") - requestsBase;
            published = endOffsets(MESSAGES_TOPIC) - publishedBase;
            if (now >= nextMemory) {
                memory.add(memory(start, false));
                long timers = endOffsets(EVENTS_TOPIC) - eventsBase;
                MachineStats.Sample sample = MachineStats.sample(postmasterPid);
                MachineStats.Usage interval = MachineStats.between(lastSample, sample);
                lastSample = sample;
                timeline.add(new double[] {(now - start) / 1e9, timers, requests, published, interval.jit(),
                        interval.busy()});
                nextMemory += 5_000_000_000L;
            }
            // The probes' requests are counted too (all of them: a stricter end, never an earlier one).
            if (published - probes.size() >= n && requests - probes.size() >= n) {
                break;
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        probing.set(false);
        prober.join();
        published -= probes.size();
        String stackReport = stacks.stop();
        MachineStats.Sample after = MachineStats.sample(postmasterPid);
        long[] updatesAfter = requestUpdates();
        long updates = updatesAfter[0] - updatesBefore[0];
        long hot = updatesAfter[1] - updatesBefore[1];
        String wal = walText(walBefore, wal(), n) + String.format("; updates of message_requests: %,d, of them HOT"
                + " %,d (%s)", updates, hot, updates == 0 ? "-" : pct((double) hot / updates));
        if (measured) {
            walDrain = wal;
        }
        Map<String, Double> shares = threadShares(threadsBefore, threadCpu(), before, after);
        String queries = null;
        if (sampler != null) {
            sampler.close();
            queries = sampler.report("timer drain");
        }
        MachineStats.Usage lastInterval = MachineStats.between(lastSample, after);
        timeline.add(new double[] {wall, endOffsets(EVENTS_TOPIC) - eventsBase, requests, published,
                lastInterval.jit(), lastInterval.busy()});
        memory.add(memory(start, true)); // after: after a full GC
        // Exact figures from the rows: fired_at and created_at are the engine's clock (real time + the offset).
        long claimed;
        double firstClaim;
        double lastClaim;
        try (PreparedStatement ps = monitor.prepareStatement("""
                select count(*), min(fired_at), max(fired_at) from journey_timers t
                join journey_instances j on j.id = t.instance_id
                where j.scenario_id = ? and t.due_at = ? and t.fired_at is not null""")) {
            ps.setLong(1, scenario.id());
            ps.setTimestamp(2, Timestamp.from(due));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                claimed = rs.getLong(1);
                firstClaim = seconds(advancedAt, rs.getTimestamp(2));
                lastClaim = seconds(advancedAt, rs.getTimestamp(3));
            }
        }
        long applied;
        double lastApplied;
        try (PreparedStatement ps = monitor.prepareStatement(
                "select count(*), max(created_at) from message_requests where scenario_id = ? and id > ?")) {
            ps.setLong(1, scenario.id());
            ps.setLong(2, requestsBase);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                applied = rs.getLong(1);
                lastApplied = seconds(advancedAt, rs.getTimestamp(2));
            }
        }
        boolean complete = claimed == n && applied == n && published >= n;
        Probes probed = null;
        if (measured) {
            List<Long> waits = new ArrayList<>();
            try (PreparedStatement ps = monitor.prepareStatement("""
                    select c.external_id, min(m.created_at) from message_requests m
                    join contacts c on c.id = m.contact_id
                    where c.external_id like ? and m.id > ? group by c.external_id""")) {
                ps.setString(1, probePrefix + "%");
                ps.setLong(2, requestsBase);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Instant sentAt = probes.get(rs.getString(1));
                        if (sentAt != null) {
                            waits.add(Duration.between(sentAt, rs.getTimestamp(2).toInstant()).toNanos());
                        }
                    }
                }
            }
            long[] values = waits.stream().mapToLong(Long::longValue).sorted().toArray();
            Latencies l = new Latencies(values, values.length);
            probed = new Probes(probes.size(), values.length, values.length == 0 ? 0 : l.percentileMillis(50),
                    values.length == 0 ? 0 : l.maxMillis());
        }
        return new DrainResult(n, claimed, applied, published, firstClaim, lastClaim,
                complete ? lastApplied : wall, complete ? wall : wall, complete,
                MachineStats.between(before, after), shares, timeline, memory, queries, stackReport, probed);
    }

    private static double seconds(Instant from, Timestamp to) {
        return to == null ? Double.NaN : Duration.between(from, to.toInstant()).toNanos() / 1e9;
    }

    // ---------------------------------------------------------------------------------------------------------
    // (c) memory and threads

    private MemorySample memory(long since, boolean collect) {
        if (collect) {
            System.gc();
        }
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long afterGc = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                afterGc += pool.getCollectionUsage().getUsed();
            }
        }
        int engine = 0;
        int all = 0;
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            all++;
            if (info.getThreadName().startsWith("journey-")) {
                engine++;
            }
        }
        return new MemorySample((System.nanoTime() - since) / 1e9, used, afterGc, rss(), all, engine);
    }

    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** CPU time of every live thread, by id. */
    private static Map<Long, Long> threadCpu() {
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            long t = THREADS.getThreadCpuTime(id);
            if (t >= 0) {
                cpu.put(id, t);
            }
        }
        return cpu;
    }

    /** The machine shares of thread groups between two points (engine consumers, poller, relay, Tomcat, ...). */
    private static Map<String, Double> threadShares(Map<Long, Long> from, Map<Long, Long> to,
            MachineStats.Sample a, MachineStats.Sample b) {
        MachineStats.Usage usage = MachineStats.between(a, b);
        Map<String, Long> byGroup = new LinkedHashMap<>();
        for (String g : List.of("engine consumers (journey-engine-*)", "timer poller (journey-timers)",
                "outbox relay", "delivery arbitration (delivery-arbitration-*)",
                "other consumers of activation.events (segments, scores, tracking, reference fan-out)",
                "Tomcat (http-nio-*)", "benchmark client", "Kafka broker and clients", "other")) {
            byGroup.put(g, 0L);
        }
        for (var e : to.entrySet()) {
            ThreadInfo info = THREADS.getThreadInfo(e.getKey());
            if (info == null) {
                continue;
            }
            long delta = e.getValue() - from.getOrDefault(e.getKey(), 0L);
            String name = info.getThreadName();
            String group;
            if (name.startsWith("journey-engine")) {
                group = "engine consumers (journey-engine-*)";
            } else if (name.startsWith("journey-timers")) {
                group = "timer poller (journey-timers)";
            } else if (name.startsWith("outbox-relay")) {
                group = "outbox relay";
            } else if (name.startsWith("delivery-arbitration")) {
                group = "delivery arbitration (delivery-arbitration-*)";
            } else if (name.startsWith("activation-segments") || name.startsWith("activation-scores")
                    || name.startsWith("activation-tracking") || name.startsWith("reference-fanout")) {
                group = "other consumers of activation.events (segments, scores, tracking, reference fan-out)";

            } else if (name.startsWith("http-nio")) {
                group = "Tomcat (http-nio-*)";
            } else if (name.startsWith("bench-")) {
                group = "benchmark client";
            } else if (name.contains("kafka") || name.contains("producer") || name.contains("broker")
                    || name.contains("raft") || name.startsWith("data-plane") || name.contains("Log")
                    || name.contains("Replica") || name.contains("Fetcher") || name.contains("Processor")) {
                group = "Kafka broker and clients";
            } else {
                group = "other";
            }
            byGroup.merge(group, delta, Long::sum);
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        byGroup.forEach((g, nanos) -> shares.put(g, usage.share(nanos, MachineStats.cores())));
        return shares;
    }

    /**
     * A poor man's wall-clock profiler: samples the stacks of the threads whose names start with a prefix and counts
     * what they are doing, named by the first frame of the application under a JDBC or Kafka call, or by that call.
     */
    static final class StackSampler {

        private final Map<String, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
        private final AtomicInteger samples = new AtomicInteger();
        private final Thread thread;
        private volatile boolean running = true;

        StackSampler(String prefix) {
            thread = new Thread(() -> {
                while (running) {
                    for (ThreadInfo info : THREADS.dumpAllThreads(false, false, 64)) {
                        if (info.getThreadName().startsWith(prefix)) {
                            counts.merge(classify(info.getStackTrace()), 1, Integer::sum);
                            samples.incrementAndGet();
                        }
                    }
                    LockSupport.parkNanos(20_000_000L);
                }
            }, "bench-stack-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        static String classify(StackTraceElement[] stack) {
            String library = null;
            for (StackTraceElement f : stack) {
                String c = f.getClassName();
                if (library == null) {
                    if (c.startsWith("org.postgresql") || c.startsWith("com.zaxxer")) {
                        library = "PostgreSQL";
                    } else if (c.contains("KafkaConsumer") || c.contains("ConsumerCoordinator")
                            || c.contains("ClassicKafkaConsumer") || c.contains("AsyncKafkaConsumer")) {
                        library = f.getMethodName().startsWith("commit") ? "Kafka offset commit"
                                : "Kafka " + f.getMethodName();
                    } else if (c.startsWith("tools.jackson")) {
                        library = "JSON";
                    }
                }
                if (c.startsWith("io.activation")) {
                    String own = c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethodName();
                    return library == null ? own : library + " in " + own;
                }
                if (c.startsWith("org.springframework.kafka.listener") && library != null) {
                    return library + " (listener container)";
                }
            }
            if (library != null) {
                return library;
            }
            return stack.length == 0 ? "(no stack)" : stack[0].getClassName() + "." + stack[0].getMethodName();
        }

        String stop() throws InterruptedException {
            running = false;
            thread.join();
            int total = Math.max(1, samples.get());
            StringBuilder r = new StringBuilder("| where | share of samples |\n|---|---:|\n");
            counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(15)
                    .forEach(e -> r.append(String.format(Locale.ROOT, "| %s | %.1f%% |%n", e.getKey(),
                            100.0 * e.getValue() / total)));
            return r.toString();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers

    private long endOffsets(String topic) throws Exception {
        var description = kafka.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()),
                OffsetSpec.latest()));
        long sum = 0;
        for (var info : kafka.listOffsets(request).all().get().values()) {
            sum += info.offset();
        }
        return sum;
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = monitor.createStatement()) {
            s.execute(sql);
        }
    }

    private long count(String sql) throws SQLException {
        try (Statement s = monitor.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Updates of message_requests so far, and how many of them were HOT (pg_stat_user_tables). */
    private long[] requestUpdates() throws SQLException {
        execute("select pg_stat_clear_snapshot()");
        try (Statement st = monitor.createStatement(); ResultSet rs = st.executeQuery(
                "select n_tup_upd, n_tup_hot_upd from pg_stat_user_tables where relid = 'message_requests'::regclass")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** WAL records, full-page images, bytes (pg_stat_wal) and checkpoints so far (pg_stat_checkpointer). */
    private long[] wal() throws SQLException {
        try (Statement s = monitor.createStatement(); ResultSet rs = s.executeQuery(
                "select w.wal_records, w.wal_fpi, w.wal_bytes, c.num_timed + c.num_requested"
                        + " from pg_stat_wal w, pg_stat_checkpointer c")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)};
        }
    }

    private static String walText(long[] from, long[] to, long items) {
        double n = Math.max(1, items);
        return String.format("WAL per timer: %.1f records, %.2f full-page images, %,.0f bytes (%,.0f MiB in all);"
                + " %d checkpoints", (to[0] - from[0]) / n, (to[1] - from[1]) / n, (to[2] - from[2]) / n,
                (to[2] - from[2]) / 1048576.0, to[3] - from[3]);
    }

    private String setting(String name) throws SQLException {
        try (Statement s = monitor.createStatement(); ResultSet rs = s.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // report

    private String report(String loadBefore, String loadAfter, LatencyResult a, RawResult raw, DrainResult b)
            throws SQLException {
        StringBuilder r = new StringBuilder();
        int cores = MachineStats.cores();
        JourneyProperties journeys = context.getBean(JourneyProperties.class);
        Environment env = context.getEnvironment();
        r.append("## Journey engine benchmark, run ").append(runId).append(" at ")
                .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC))).append("\n\n");
        r.append(String.format("- Machine: %d cores (%s), %s memory; load average before %s, after %s%n", cores,
                MachineStats.cpuModel(), MachineStats.memory(), loadBefore, loadAfter));
        r.append(String.format("- JVM: %s %s, %s; flags %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"),
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(g -> g.getName()).toList(),
                ManagementFactory.getRuntimeMXBean().getInputArguments()));
        r.append(String.format("- PostgreSQL %s (embedded): synchronous_commit=%s, fsync=%s, shared_buffers=%s,"
                + " max_wal_size=%s, checkpoint_timeout=%s (bench.journeys.postgres: \"%s\");"
                + " Hikari pool %s; Kafka in-process, %s partitions of activation.events%n",
                setting("server_version"), setting("synchronous_commit"), setting("fsync"),
                setting("shared_buffers"), setting("max_wal_size"), setting("checkpoint_timeout"),
                System.getProperty("bench.journeys.postgres", ""), env.getProperty("spring.datasource.hikari.maximum-pool-size", "10"),
                env.getProperty("activation.ingest.events-topic-partitions", "6")));
        r.append(String.format("- Engine: roles api,engine; %d consumers, timer poll every %d ms, %d timers per poll,"
                + " outbox batch %s, outbox poll %s%n%n", journeys.concurrency(),
                journeys.timerPollInterval().toMillis(), journeys.timerBatchSize(),
                env.getProperty("activation.ingest.outbox-batch-size", "500"),
                env.getProperty("activation.ingest.outbox-poll-interval", "200ms")));

        if (a != null) {
        r.append("### (a) Event to message request, under background load\n\n");
        r.append(String.format("Open loop at %,d events/s in total through `POST /api/v1/events` (%d connections);"
                + " one in %d is a `bench_purchase` that starts the journey \"event -> send\", the rest are"
                + " `product_viewed` events of %,d contacts that match no scenario. %d s of warm-up, then %d s"
                + " measured. Latency runs from the event's scheduled send time to the message request's arrival at"
                + " a consumer of `activation.messages`.%n%n", a.rate(), settings.connections(), settings.sampleEvery(),
                settings.backgroundContacts(), settings.latencyWarmupSeconds(), a.seconds()));
        r.append("| figure | value |\n|---|---:|\n");
        r.append(String.format("| events offered / accepted per s | %,d / %,.0f |%n", a.rate(), a.achieved()));
        r.append(String.format("| errors / lost (not sent within 2 s) | %d / %d |%n", a.errors(), a.dropped()));
        r.append(String.format("| sampled events measured / message requests arrived (within 120 s of the load's"
                + " end) | %,d / %,d |%n", a.samples(), a.arrived()));
        Latencies l = a.fromSchedule();
        r.append(String.format("| event -> message request p50 / p95 / p99 / max (a request that did not arrive"
                + " counts with the time waited for it) | %.1f / %.1f / %.1f / %.1f ms |%n",
                l.percentileMillis(50), l.percentileMillis(95), l.percentileMillis(99), l.maxMillis()));
        Latencies s = a.fromSend();
        r.append(String.format("| the same from the POST's actual start, p50 / p99 | %.1f / %.1f ms |%n",
                s.percentileMillis(50), s.percentileMillis(99)));
        r.append(String.format("| POST answered (all events), p50 / p99 / max | %.1f / %.1f / %.1f ms |%n",
                a.http().percentileMillis(50), a.http().percentileMillis(99), a.http().maxMillis()));
        r.append(String.format("| CPU per event, PostgreSQL + JVM | %s µs |%n", micros(a.usage(), a.achieved())));
        r.append(String.format("| goal p99 <= 1 s | %s |%n", yes(a.arrived() == a.samples()
                && l.percentileMillis(99) <= 1000)));
        r.append(usageLine(a.usage(), a.threadShares()));
        r.append("\nWhere Tomcat's threads spent the measured interval (stack samples every 20 ms; idle threads"
                + " show as their wait):\n\n").append(a.tomcatStacks());
        r.append("\nWhere the engine's consumer threads spent it:\n\n").append(a.engineStacks());
        }

        if (b == null) {
            return r.toString();
        }
        r.append("\n### (b) A burst of ").append(String.format("%,d", b.timers()))
                .append(" timers due at once\n\n");
        r.append(String.format("%,d journeys of the scenario \"wait 1 h -> send\" waiting at their wait step, each"
                + " with a pending timer, written set-based in SQL; then the clock moves past the due time. A timer"
                + " is claimed by the poller (fired_at), travels in a timers-fired record (the timers of a poll whose"
                + " contacts share a partition of `activation.events`) through the outbox and Kafka, and is applied by the engine, whose send step writes a message request, published to"
                + " `activation.messages`.%n%n", b.timers()));
        r.append("| stage | timers | seconds after the clock moved | per second |\n|---|---:|---:|---:|\n");
        r.append(String.format("| claimed and marked fired (poller; + outbox insert) | %,d | %.1f (first at %.2f) |"
                + " %,.0f |%n", b.claimed(), b.claimSeconds(), b.firstClaimSeconds(),
                b.claimed() / b.claimSeconds()));
        r.append(String.format("| applied by the engine (message request written) | %,d | %.1f | %,.0f |%n",
                b.requests(), b.applySeconds(), b.requests() / b.applySeconds()));
        r.append(String.format("| message requests published on Kafka (end to end) | %,d | %.1f | %,.0f |%n",
                b.published(), b.publishSeconds(), b.published() / b.publishSeconds()));
        r.append(String.format("| raw PostgreSQL: the same claim + update + outbox insert, plain JDBC, %d"
                + " connection(s), %d per transaction | %,d | %.1f | %,.0f |%n", raw.connections(), raw.batch(),
                raw.claimed(), raw.seconds(), raw.perSecond()));
        double endToEnd = b.published() / b.publishSeconds();
        r.append(String.format("%n| ratio | value |%n|---|---:|%n| end to end / raw | %s |%n| claim / raw | %s |%n",
                pct(endToEnd / raw.perSecond()), pct(b.claimed() / b.claimSeconds() / raw.perSecond())));
        r.append(String.format("| goal: drained at >= 8,000/s end to end | %s |%n",
                yes(b.complete() && endToEnd >= 8000)));
        if (!b.complete()) {
            r.append(String.format("%nNOT COMPLETE within %d s: %,d claimed, %,d applied, %,d published.%n",
                    settings.drainMaxSeconds(), b.claimed(), b.requests(), b.published()));
        }
        if (b.probes() != null) {
            Probes p = b.probes();
            r.append(String.format("| other contacts' events during the drain (one `bench_purchase` a second):"
                    + " POST -> message request written, p50 / max; arrived of sent | %.0f / %.0f ms; %d of %d |%n",
                    p.p50Millis(), p.maxMillis(), p.arrived(), p.sent()));
        }
        r.append(String.format("| CPU per timer, PostgreSQL + JVM: raw / end to end | %s / %s µs |%n",
                micros(raw.usage(), raw.perSecond()), micros(b.usage(), b.published() / b.publishSeconds())));
        r.append("\nRaw baseline: ").append(usageText(raw.usage())).append(". ").append(walRaw).append('\n');
        r.append(usageLine(b.usage(), b.threadShares()));
        r.append('\n').append("Drain: ").append(walDrain).append('\n');
        if (warmupDrain != null) {
            DrainResult w = warmupDrain;
            double rate = w.published() / w.publishSeconds();
            r.append(String.format("%nWarm-up (not measured; before the raw baseline and the burst above): %,d timers"
                    + " of the same scenario drained, %s; published at %,.0f/s, CPU per timer %s µs; %s"
                    + " JIT compiler threads: %s of the machine in the warm-up, %s in the measured burst.%n",
                    w.timers(), w.complete() ? "complete" : "NOT complete", rate, micros(w.usage(), rate),
                    usageText(w.usage()), pct(w.usage().jit()), pct(b.usage().jit())));
        } else {
            r.append("\nNo warm-up burst (bench.timersWarmup=0): the measured burst starts on a cold JIT.\n");
        }
        r.append("\nProgress (every 5 s): records published on `activation.events` (timers-fired records, and what"
                + " arbitration publishes), message requests written, message requests published; the machine's"
                + " busy share and the JIT compiler threads' share of the machine in the 5 s before\n\n| s | records"
                + " on `activation.events` | requests written | requests on Kafka | machine busy | JIT |\n"
                + "|---:|---:|---:|---:|---:|---:|\n");
        for (double[] t : b.timeline()) {
            r.append(String.format("| %.0f | %,.0f | %,.0f | %,.0f | %s | %s |%n", t[0], t[1], t[2], t[3],
                    pct(t[5]), pct(t[4])));
        }
        r.append("\nWhere the engine's consumer threads spent the drain (stack samples every 20 ms, by the"
                + " innermost frame of the application or the library it waits in):\n\n").append(b.stacks());
        if (b.queries() != null) {
            r.append('\n').append(b.queries()).append('\n');
        }

        r.append("\n### (c) Memory and threads of the JVM (application, engine, Kafka broker, benchmark client)\n\n");
        r.append("| when | heap used | heap after GC | RSS | threads | engine threads (journey-*) |\n");
        r.append("|---|---:|---:|---:|---:|---:|\n");
        List<MemorySample> m = b.memory();
        MemorySample first = m.get(0);
        MemorySample last = m.get(m.size() - 1);
        r.append(memoryRow("before the burst (after a full GC)", first));
        MemorySample peakHeap = first;
        MemorySample peakRss = first;
        for (MemorySample x : m.subList(1, m.size() - 1)) {
            peakHeap = x.heapAfterGc() > peakHeap.heapAfterGc() ? x : peakHeap;
            peakRss = x.rss() > peakRss.rss() ? x : peakRss;
        }
        r.append(memoryRow(String.format("during, highest heap after GC (at %.0f s)", peakHeap.at()), peakHeap));
        r.append(memoryRow(String.format("during, highest RSS (at %.0f s)", peakRss.at()), peakRss));
        r.append(memoryRow("after the drain (after a full GC)", last));
        return r.toString();
    }

    private static String memoryRow(String when, MemorySample s) {
        return String.format("| %s | %s | %s | %s | %d | %d |%n", when, mib(s.heapUsed()), mib(s.heapAfterGc()),
                mib(s.rss()), s.threads(), s.engineThreads());
    }

    private static String usageLine(MachineStats.Usage u, Map<String, Double> threads) {
        StringBuilder r = new StringBuilder("\nCPU during the measurement: ").append(usageText(u));
        r.append(" Inside the JVM: ");
        List<String> parts = new ArrayList<>();
        threads.forEach((g, share) -> parts.add(g + " " + pct(share)));
        r.append(String.join(", ", parts)).append(".\n");
        return r.toString();
    }

    private static String usageText(MachineStats.Usage u) {
        return String.format("machine %s busy: JVM %s (JIT %s), PostgreSQL %s, other processes %s (over %.0f s).",
                pct(u.busy()), pct(u.jvm()), pct(u.jit()), pct(u.postgres()), pct(u.other()), u.seconds());
    }

    /** CPU time per item of PostgreSQL and of the JVM, from their shares of the machine. */
    private static String micros(MachineStats.Usage u, double perSecond) {
        double capacity = MachineStats.cores() * 1e6 / perSecond;
        return String.format("%.0f + %.0f = %.0f", u.postgres() * capacity, u.jvm() * capacity,
                (u.postgres() + u.jvm()) * capacity);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format("%,d MiB", bytes / (1024 * 1024));
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
