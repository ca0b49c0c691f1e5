package io.activation.benchmark;

import io.activation.delivery.send.SenderProperties;
import io.activation.delivery.send.SenderRuntime;
import io.activation.delivery.send.SenderRuntimes;
import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import io.activation.template.RenderedMessage;
import io.activation.web.ActivationApplication;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * The sender benchmark of {@code docs/benchmarks.md}: HTTP-provider sends per second through the sender runtime
 * (ledger claim, render, provider call, mark with decision and event) against a local HTTP stub that answers after
 * {@code bench.latencyMillis} (50 ms: a provider's API across the internet). Starts the application (embedded
 * PostgreSQL and Kafka, ephemeral, roles api), writes {@code bench.messages} queued deliveries in SQL in the shape
 * arbitration writes them, publishes their dispatched records, then starts a runtime for an HTTP sender (JDK
 * {@code HttpClient}, one blocking call per provider-call thread) and times the drain. A warm-up round of
 * {@code bench.warmupMessages} runs first. Never part of the test suite.
 */
public final class SenderBenchmark {

    private static final String TOPIC = "activation.messages.bench";

    private final int messages = Integer.getInteger("bench.messages", 30_000);
    private final List<String> cycleLines = new java.util.ArrayList<>();
    private final int warmupMessages = Integer.getInteger("bench.warmupMessages", 5_000);
    private final int latencyMillis = Integer.getInteger("bench.latencyMillis", 50);
    private final int concurrency = Integer.getInteger("bench.concurrency", 192);
    /**
     * Whether the adapter calls the provider asynchronously ({@code sendAsync}) or blocks a thread per call (the
     * default: on JDK 17 the client's {@code sendAsync} hands every step of an exchange to its executor and the answer
     * to the common pool, which cost more CPU per message than the blocking call in this benchmark).
     */
    private final boolean async = Boolean.parseBoolean(System.getProperty("bench.async", "false"));
    /** Whether the HTTP client runs its steps on the completing thread (an executor of {@code Runnable::run}). */
    private final boolean direct = Boolean.parseBoolean(System.getProperty("bench.directExecutor", "false"));
    /**
     * Whether the stub answers each call from a scheduler 50 ms after reading it (the default) or, as before session 5,
     * from a pool thread that sleeps through the latency ({@code -Dbench.stub=sleeping}).
     */
    private final boolean scheduledStub = !"sleeping".equals(System.getProperty("bench.stub", "scheduled"));
    /**
     * Whether the harness counts the round's sent rows every 100 ms throughout (sessions 3 and 4,
     * {@code -Dbench.progress=poll}) or only once the stub has answered every call (the default since session 5).
     */
    /** TCP_NODELAY on the stub's sockets (see ProviderStub); false: the sessions 3-5 stub. */
    private final boolean stubNodelay = Boolean.parseBoolean(System.getProperty("bench.stubNodelay", "true"));
    private final boolean pollLedger = "poll".equals(System.getProperty("bench.progress", "stub"));
    private final Path output = Path.of(System.getProperty("bench.output", "target/benchmark/sender-results.md"));
    private final List<String> report = new ArrayList<>();
    private final List<String> brokerLines = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        new SenderBenchmark().run();
        System.exit(0);
    }

    private void run() throws Exception {
        long started = System.nanoTime();
        ConfigurableApplicationContext context = new SpringApplication(ActivationApplication.class).run(
                "--server.port=0", "--activation.embedded.ephemeral=true", "--activation.demo.enabled=false",
                "--activation.roles=api", "--logging.level.org.apache.kafka=WARN", "--logging.level.kafka=WARN",
                "--logging.level.state.change.logger=WARN");
        Environment env = context.getEnvironment();
        Connection db = DriverManager.getConnection(env.getRequiredProperty("spring.datasource.url"),
                env.getProperty("spring.datasource.username"), env.getProperty("spring.datasource.password"));
        long postmaster = MachineStats.postmasterPid(db, w -> log("%s", w));
        String bootstrap = env.getRequiredProperty("spring.kafka.bootstrap-servers");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 1), new NewTopic(TOPIC + ".dlt", 1,
                    (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        log("Application up after %.1f s", (System.nanoTime() - started) / 1e9);

        ProviderStub stub = new ProviderStub(latencyMillis, scheduledStub, concurrency, stubNodelay);
        URI endpoint = stub.endpoint();
        HttpSender sender = new HttpSender(endpoint, async, direct);

        SenderRuntimes runtimes = context.getBean(SenderRuntimes.class);
        long contact;
        try (Statement s = db.createStatement()) {
            ResultSet rs = s.executeQuery("insert into contacts (external_id, phone, first_name, created_at,"
                    + " updated_at) values ('bench-sms', '+31612345678', 'Ada', now(), now()) returning id");
            rs.next();
            contact = rs.getLong(1);
        }

        report.add("# Sender benchmark\n");
        report.add("- Date: " + Instant.now());
        report.add("- Machine: " + MachineStats.cores() + " cores (" + MachineStats.cpuModel() + "), "
                + MachineStats.memory() + ", load average at start " + MachineStats.loadAverage());
        report.add("- Stub: " + stub.describe());
        report.add("- Progress: " + (pollLedger ? "the round's sent rows counted every 100 ms"
                : "the round's sent rows counted once the stub has answered every call (and every 5 s)")
                + "; middle 80 % from the ledger's sent_at");
        report.add("- Stub latency " + latencyMillis + " ms; provider calls in flight per channel " + concurrency
                + "; sender: JDK HttpClient, HTTP/1.1, " + (async ? "asynchronous calls (sendAsync)"
                : "one blocking call per provider-call thread") + (direct ? ", direct executor" : ""));
        report.add("");
        report.add("| round | messages | first claim to last mark | sends/s | middle 80 % sends/s | CPU busy | JVM |"
                + " PostgreSQL | other | stub calls | JVM ms/msg | PostgreSQL ms/msg | stub ms/call |"
                + " JVM without stub ms/msg | of which JIT ms/msg |");
        report.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");

        round(db, bootstrap, runtimes, sender, contact, "warm-up", warmupMessages, postmaster, stub);
        round(db, bootstrap, runtimes, sender, contact, "measured", messages, postmaster, stub);
        report.add("");
        report.add("Permit cycle (the runtime's CycleStats, from its build to the last mark; ms per chunk of one"
                + " delivery unless said): permits busy on average, permit taken to given back, of which taken to"
                + " thread start, render, rate wait, claim, provider call; then the answer's hand-back to the consumer"
                + " loop and its wait for the mark (after the permit is free). Per consumer poll: load, hand-out,"
                + " tail (last chunk out to last answer in), barrier (marks awaited), return to next poll.");
        report.add("");
        report.add("| round | permits busy | held | to thread | render | rate | claim | call | hand-back | mark wait |"
                + " claim statements | polls | load | hand-out | tail | barrier | between polls |");
        report.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        report.addAll(cycleLines);
        report.add("");
        report.add("Requests the in-process broker handled during each round (its JMX request metrics):");
        report.add("");
        report.addAll(brokerLines);

        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, String.join("\n", report) + "\n");
        log("Report written to %s", output.toAbsolutePath());
        report.forEach(line -> System.out.println(line));
        stub.stop();
        context.close();
    }

    private void round(Connection db, String bootstrap, SenderRuntimes runtimes, HttpSender sender, long contact,
            String name, int n, long postmaster, ProviderStub stub) throws Exception {
        String prefix = "bench-" + name + "-" + System.nanoTime();
        long firstId;
        try (Statement s = db.createStatement()) {
            s.execute("""
                    insert into message_requests (dedupe_key, contact_id, channels, priority, status, created_at,
                        confirm_within)
                    select '%1$s-' || g, %2$d, '[{"channel":"bench","template":"t"}]', 5, 'dispatched', now(),
                        interval '1 day'
                    from generate_series(1, %3$d) g""".formatted(prefix, contact, n));
            s.execute("""
                    insert into deliveries (request_id, contact_id, channel, template, message_key, address, purpose,
                        priority, status, created_at, updated_at)
                    select r.id, r.contact_id, 'bench', 't', r.dedupe_key || ':bench', '+31612345678', 'marketing', 5,
                        'queued', now(), now()
                    from message_requests r where r.dedupe_key like '%1$s-%%'""".formatted(prefix));
            ResultSet rs = s.executeQuery("select min(id) from deliveries where message_key like '" + prefix
                    + "-%'");
            rs.next();
            firstId = rs.getLong(1);
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < n; i++) {
                long id = firstId + i;
                producer.send(new ProducerRecord<>(TOPIC, Long.toString(id), """
                        {"specversion":"1.0","id":"%1$s-%2$d","source":"/activation/bench",\
                        "type":"io.activation.message.dispatched","data":{"deliveryId":%2$d,\
                        "messageKey":"k","requestId":0,"contactId":%3$d,"channel":"bench","template":"t",\
                        "address":"+31612345678"}}""".formatted(prefix, id, contact)));
            }
            producer.flush();
        }
        long before = stub.calls();
        long stubCpuBefore = stub.cpuNanos();
        Map<String, Long> requestsBefore = brokerRequests();
        MachineStats.Sample a = MachineStats.sample(postmaster);
        SenderRuntime runtime = runtimes.builder(sender).topic(TOPIC).consumerGroup("bench-" + name)
                .renderer(request -> new RenderedMessage(Map.of("text", "Hello Ada, your cart misses you ("
                        + request.messageKey() + ")"), Map.of()))
                .limits(new SenderProperties.ChannelLimits(0, concurrency, SenderProperties.InDoubt.HOLD)).build();
        long t0 = System.nanoTime();
        runtime.start();
        long progressNanos = 0;
        int progressPolls = 0;
        long sent = 0;
        long deadline = t0 + TimeUnit.MINUTES.toNanos(20);
        long lastCheck = t0;
        while (sent < n && System.nanoTime() < deadline) {
            Thread.sleep(100);
            // The ledger is asked only once the stub has answered every call (or every 5 s, in case some never
            // reach it): counting the round's sent rows scans the deliveries table, ten times a second that was
            // half of PostgreSQL's CPU in a smoke round, work of the harness on the measured cores.
            if (pollLedger || stub.calls() - before >= n || System.nanoTime() - lastCheck >= 5_000_000_000L) {
                long q = System.nanoTime();
                try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("select count(*) from"
                        + " deliveries where status = 'sent' and message_key like '" + prefix + "-%'")) {
                    rs.next();
                    sent = rs.getLong(1);
                }
                lastCheck = System.nanoTime();
                progressNanos += lastCheck - q;
                progressPolls++;
            }
        }
        MachineStats.Sample b = MachineStats.sample(postmaster);
        long stubCpu = stub.cpuNanos() - stubCpuBefore;
        Map<String, Long> requestsAfter = brokerRequests();
        Map<String, Double> cycle = runtime.cycleStats();
        runtime.close();
        Duration span;
        Duration middleSpan;
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("select min(claimed_at),"
                + " max(updated_at), count(*) filter (where status <> 'sent'),"
                + " percentile_disc(0.1) within group (order by sent_at),"
                + " percentile_disc(0.9) within group (order by sent_at) from deliveries where message_key like '"
                + prefix + "-%'")) {
            rs.next();
            span = Duration.between(rs.getTimestamp(1).toInstant(), rs.getTimestamp(2).toInstant());
            // The middle 80 %: from the mark that made 10 % sent to the one that made 90 % (the ledger's times).
            middleSpan = rs.getTimestamp(4) == null ? Duration.ZERO
                    : Duration.between(rs.getTimestamp(4).toInstant(), rs.getTimestamp(5).toInstant());
            if (rs.getLong(3) > 0) {
                log("%d deliveries of round %s were not sent", rs.getLong(3), name);
            }
        }
        MachineStats.Usage u = MachineStats.between(a, b);
        double rate = n / (span.toMillis() / 1000.0);
        double middle = middleSpan.isZero() ? Double.NaN : (n * 0.8) / (middleSpan.toNanos() / 1e9);
        long calls = stub.calls() - before;
        // CPU per message over the sampled interval (start of the runtime to the poll that saw the last mark).
        double jvmMs = u.jvm() * u.seconds() * MachineStats.cores() * 1e3 / n;
        double postgresMs = u.postgres() * u.seconds() * MachineStats.cores() * 1e3 / n;
        double stubMs = stubCpu / 1e6 / Math.max(1, calls);
        double jitMs = u.jit() * u.seconds() * MachineStats.cores() * 1e3 / n;
        report.add(String.format("| %s | %,d | %.1f s | %,.0f | %,.0f | %.0f %% | %.0f %% | %.0f %% | %.0f %% | %,d |"
                + " %.3f | %.3f | %.3f | %.3f | %.3f |", name, n, span.toMillis() / 1000.0, rate, middle, u.busy() * 100,
                u.jvm() * 100, u.postgres() * 100, u.other() * 100, calls, jvmMs, postgresMs, stubMs,
                jvmMs - stubMs, jitMs));
        StringBuilder requests = new StringBuilder();
        for (String type : List.of("Produce", "Fetch", "OffsetCommit", "Heartbeat")) {
            long count = requestsAfter.getOrDefault(type, 0L) - requestsBefore.getOrDefault(type, 0L);
            requests.append(requests.isEmpty() ? "" : ", ").append(String.format("%s %,d (%.1f per 1,000 messages)",
                    type, count, count * 1000.0 / n));
        }
        brokerLines.add("- " + name + ": " + requests + String.format("; the harness's progress query: %d polls,"
                + " %.1f ms each (wall time, PostgreSQL's CPU for it at most that)", progressPolls,
                progressNanos / 1e6 / Math.max(1, progressPolls)));
        cycleLines.add(String.format("| %s | %.0f of %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |"
                + " %.0f, %.1f ids each | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f |", name,
                cycle.get("permitsBusyAvg"), cycle.get("permits"), cycle.get("permitHeldMs"), cycle.get("dispatchMs"),
                cycle.get("renderMs"), cycle.get("rateWaitMs"), cycle.get("claimMs"), cycle.get("callMs"),
                cycle.get("handBackMs"), cycle.get("markWaitMs"), cycle.get("claimStatements"),
                cycle.get("idsPerClaim"), cycle.get("polls"), cycle.get("pollLoadMs"), cycle.get("pollHandOutMs"),
                cycle.get("pollTailMs"), cycle.get("pollBarrierMs"), cycle.get("betweenPollsMs")));
        log("Round %s: %d sent in %s (%.0f/s, middle 80 %%: %.0f/s)", name, sent, span, rate, middle);
    }

    /** A provider over HTTP: 2xx accepted, 429 and 5xx retry (with Retry-After), other 4xx rejected. */
    static final class HttpSender implements ChannelSender {
        private final URI endpoint;
        private final boolean async;
        private final HttpClient http;

        HttpSender(URI endpoint, boolean async, boolean direct) {
            this.endpoint = endpoint;
            this.async = async;
            HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5));
            if (direct) {
                // The client's own steps and the answer's handling run on the thread that completes them (its
                // selector thread) instead of being handed to a pool each: nothing in them blocks.
                builder.executor(Runnable::run);
            }
            this.http = builder.build();
        }

        @Override
        public String channel() {
            return "bench";
        }

        @Override
        public SendResult send(OutboundMessage message) {
            try {
                return answer(http.send(request(message), HttpResponse.BodyHandlers.ofString()));
            } catch (IOException e) {
                return new SendResult.Retry(e.toString(), null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new SendResult.Retry("interrupted", null);
            }
        }

        /** The same request and the same reading of the answer, without a thread waiting for it. */
        @Override
        public CompletionStage<SendResult> sendAsync(OutboundMessage message) {
            return http.sendAsync(request(message), HttpResponse.BodyHandlers.ofString()).handle((response, e) -> {
                if (e == null) {
                    return answer(response);
                }
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof IOException) {
                    return new SendResult.Retry(cause.toString(), null);
                }
                throw e instanceof CompletionException c ? c : new CompletionException(cause);
            });
        }

        @Override
        public boolean sendsAsynchronously() {
            return async;
        }

        private HttpRequest request(OutboundMessage message) {
            String body = "{\"to\":\"" + message.recipient().address() + "\",\"body\":\""
                    + message.content().part("text") + "\"}";
            return HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json").header("Idempotency-Key", message.messageKey())
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        }

        private static SendResult answer(HttpResponse<String> response) {
            int status = response.statusCode();
            if (status / 100 == 2) {
                String text = response.body();
                int at = text.indexOf("\"sid\":\"");
                return new SendResult.Accepted(at < 0 ? null : text.substring(at + 7, text.indexOf('"', at + 7)));
            }
            if (status == 429 || status >= 500) {
                Duration after = response.headers().firstValue("Retry-After").map(v -> Duration.ofSeconds(
                        Long.parseLong(v.trim()))).orElse(null);
                return new SendResult.Retry("HTTP " + status, after);
            }
            return new SendResult.Rejected("HTTP " + status, SendResult.Failure.OTHER);
        }
    }

    /** Requests the in-process broker has handled so far, by request type (its JMX {@code RequestsPerSec} counts). */
    private static Map<String, Long> brokerRequests() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        try {
            javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
            for (javax.management.ObjectName name : server.queryNames(new javax.management.ObjectName(
                    "kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
                Object count = server.getAttribute(name, "Count");
                if (count instanceof Number number) {
                    counts.merge(name.getKeyProperty("request"), number.longValue(), Long::sum);
                }
            }
        } catch (javax.management.JMException e) {
            log("Broker request metrics unavailable: %s", e);
        }
        return counts;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[sender-benchmark] " + format + "%n", args);
    }
}
