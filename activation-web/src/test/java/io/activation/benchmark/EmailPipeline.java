package io.activation.benchmark;

import io.activation.datamodel.AttributeSpec;
import io.activation.datamodel.AttributeType;
import io.activation.datamodel.DataModel;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSpec;
import io.activation.delivery.MessageRequest;
import io.activation.delivery.MessageRequests;
import io.activation.template.Templates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The {@code pipeline} phase of {@link EmailBenchmark}: the whole delivery pipeline of the real application to the
 * same {@link SmtpSink} as the {@code raw} and {@code sender} phases.
 *
 * <p>The application starts once (all roles: api, engine, senders, console; embedded PostgreSQL and Kafka,
 * ephemeral; demo data off; {@code spring.mail.host/port} = the sink, so the e-mail channel's {@code SmtpSender} is
 * the only e-mail sender). Nothing else is changed from {@code application.yml}: arbitration's 6 partitions and 2
 * consumers, the sender runtime's 64 provider-call threads, the e-mail channel's pool of 8 SMTP connections.
 *
 * <p>Per round ({@link #prepare}, not timed): {@code N} contacts with an e-mail address, a first name and granted
 * marketing e-mail consent, and three rows each in an interaction table {@code bench_orders} (set-based SQL); once,
 * the template {@code bench-pipeline} (personalised subject, HTML with a loop over the contact's latest orders, two
 * links and the unsubscribe link, so rendering reads related rows and adds click tracking, the open pixel and the
 * RFC 8058 headers).
 *
 * <p>Timed ({@link #run}): {@code N} marketing message requests written through {@link MessageRequests#requestAll}
 * (the batch form a broadcast and the journey engine's set-based application use) by two writer threads, 500
 * requests per transaction and call, each request published through the transactional outbox to {@code activation.messages}; arbitration decides each one (consent,
 * suppressions, address, caps, quiet hours, channel), writes the {@code deliveries} row and publishes to
 * {@code activation.messages.email}; the sender runtime claims, renders ({@code LiquidRenderer}), sends through
 * {@code SmtpSender} and marks. The clock runs from the first request written until the last e-mail of the round
 * reached the sink (all {@code N}, or every delivery not at the sink ended otherwise). The run fails unless the sink
 * holds exactly as many distinct keys of the round as the ledger has sent deliveries, no key twice, and a delivery
 * per request; deliveries that failed are reported with their error and trail, and the sink counts e-mails whose
 * subject was rendered for another contact than the recipient. The measured round runs under a JFR recording (settings {@code -Dbench.jfr}, default "default"; "none" records
 * nothing) written to {@code target/benchmark/email-pipeline.jfr}; the warm-up rounds (one, or with a steady warm-up
 * as many as it takes, each a full round with its own contacts) record into one recording with the same settings
 * (not kept), so that the recording's own start costs nothing in the measured round (see {@link EmailBenchmark}).
 * Each round reports its CPU per e-mail by thread group ({@link ThreadCpu}), PostgreSQL's, and the growth of the
 * tables it writes; the per-stage spans come from the requests' and deliveries' timestamps.
 */
final class EmailPipeline implements EmailBenchmark.Phase {

    private static final String TEMPLATE = "bench-pipeline";
    private static final String TABLE = "bench_orders";
    private static final int WRITERS = 2;
    private static final int BATCH = 500;

    private final Path jfrFile;
    private final List<String> notes;
    private ConfigurableApplicationContext context;
    private Recording warmUpRecording;
    private Connection sql;
    private int round;
    private List<Long> contacts;
    private String keyPrefix;
    private long lastReceived;
    private double lastSeconds;
    private boolean measuredNext;

    EmailPipeline(Path jfrFile, List<String> notes) {
        this.jfrFile = jfrFile;
        this.notes = notes;
    }

    long postmasterPid() {
        return sql == null ? -1 : MachineStats.postmasterPid(sql, w -> log("%s", w));
    }

    @Override
    public void prepare(SmtpSink sink, int messages) throws Exception {
        if (context == null) {
            long t = System.nanoTime();
            List<String> arguments = new ArrayList<>(List.of("--spring.mail.host=127.0.0.1",
                    "--spring.mail.port=" + sink.port()));
            for (String extra : System.getProperty("bench.pipelineArgs", "").split(",")) {
                if (!extra.isBlank()) {
                    arguments.add(extra.trim());
                }
            }
            notes.add("pipeline application arguments besides the benchmarks' usual ones (ephemeral embedded"
                    + " services, demo off, Kafka logging at WARN): " + arguments);
            context = IngestBenchmark.startApplication(arguments.toArray(String[]::new));
            Environment env = context.getEnvironment();
            sql = DriverManager.getConnection(env.getRequiredProperty("spring.datasource.url"),
                    env.getProperty("spring.datasource.username"), env.getProperty("spring.datasource.password"));
            log("application up after %.1f s (roles %s)", (System.nanoTime() - t) / 1e9,
                    env.getProperty("activation.roles"));
            context.getBean(DataModel.class).defineTable(new TableSpec(TABLE, TableKind.INTERACTION,
                    "benchmark orders", "order_no", "ordered_at", List.of(
                            new AttributeSpec("order_no", AttributeType.TEXT, true, null, null),
                            new AttributeSpec("ordered_at", AttributeType.TIMESTAMP, true, null, null),
                            new AttributeSpec("product", AttributeType.TEXT, true, null, null),
                            new AttributeSpec("total", AttributeType.DECIMAL, true, null, null))));
            context.getBean(Templates.class).create(new Templates.TemplateInput(TEMPLATE, "email",
                    "{{ contact.first_name }}, {{ tables." + TABLE + " | size }} orders and a thank-you inside",
                    "<html><body><p>Hello {{ contact.first_name }} {{ contact.last_name }},</p>"
                            + "<p>Thank you for your latest orders:</p><table>"
                            + "{% for o in tables." + TABLE + " %}<tr><td>{{ o.order_no }}</td><td>{{ o.product }}"
                            + "</td><td>EUR {{ o.total }}</td></tr>{% endfor %}</table>"
                            + "<p><a href=\"https://shop.example/account/{{ contact.external_id }}\">Your account</a>"
                            + " - <a href=\"https://shop.example/offers?for={{ contact.id }}\">Offers for you</a></p>"
                            + "<p style=\"font-size:small\"><a href=\"{{ links.unsubscribe }}\">Unsubscribe</a></p>"
                            + "</body></html>"));
        }
        round++;
        keyPrefix = "bench-pipeline-" + round + "-";
        long t = System.nanoTime();
        execute("""
                insert into contacts (external_id, email, first_name, last_name, created_at, updated_at)
                select 'bench-mail-%1$d-' || g, 'c%1$d-' || g || '@example.org', 'Ada' || g, 'Lovelace', now(), now()
                from generate_series(1, %2$d) g""".formatted(round, messages));
        double contactsSeconds = seconds(t);
        t = System.nanoTime();
        execute("""
                insert into contact_consents (contact_id, channel, purpose, status, changed_at, source)
                select id, 'email', 'marketing', 'granted', now(), 'benchmark' from contacts
                where external_id like 'bench-mail-%d-%%'""".formatted(round));
        double consentSeconds = seconds(t);
        t = System.nanoTime();
        execute("""
                insert into data."%s" (contact_id, order_no, ordered_at, product, total, created_at, updated_at)
                select c.id, 'o-' || c.id || '-' || k, now() - k * interval '9 days',
                       (array['Blue kettle', 'Tea towel', 'Espresso cups', 'Bread knife'])[1 + (c.id + k) %% 4],
                       round((9.5 + (c.id * 7 + k * 13) %% 120)::numeric, 2), now(), now()
                from contacts c cross join generate_series(1, 3) k
                where c.external_id like 'bench-mail-%d-%%'""".formatted(TABLE, round));
        double ordersSeconds = seconds(t);
        execute("analyze contacts; analyze contact_consents; analyze data.\"" + TABLE + "\"");
        contacts = new ArrayList<>(messages);
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery(
                "select id from contacts where external_id like 'bench-mail-" + round + "-%' order by id")) {
            while (rs.next()) {
                contacts.add(rs.getLong(1));
            }
        }
        String line = String.format(Locale.ROOT, "pipeline round %d set-up (SQL, not timed): %d contacts %.1f s,"
                + " consents %.1f s, %d orders %.1f s", round, messages, contactsSeconds, consentSeconds,
                3 * messages, ordersSeconds);
        log("%s", line);
        notes.add(line);
    }

    @Override
    public void measuredRoundNext() {
        measuredNext = true;
    }

    @Override
    public long run(SmtpSink sink, int messages, int threads) throws Exception {
        boolean measured = measuredNext;
        measuredNext = false;
        Recording jfr = null;
        String settings = System.getProperty("bench.jfr", "none");
        boolean early = Boolean.parseBoolean(System.getProperty("bench.jfrEarly", "true"));
        if (!settings.equals("none") && (measured || (early && warmUpRecording == null))) {
            // The measured round's recording. With bench.jfrEarly (default) the warm-up rounds record too (one
            // recording started at the first of them), with the
            // same settings, and that recording ends only once the measured one has started: enabling JFR's I/O
            // events changes branches in the socket and file streams that the JIT compiled without them (the
            // recording's deoptimisations showed socket writes recompiled, with every caller they were inlined
            // into), so that recompilation happens in the warm-up, not in the measured round.
            Recording r = new Recording(Configuration.getConfiguration(settings));
            r.setName(measured ? "email-pipeline" : "email-pipeline-warm-up");
            // Both to disk: starting the measured one begins a new chunk, so its dump holds the measured round only
            // (a warm-up recording held in memory was flushed into the measured one's first chunk).
            r.start();
            if (measured) {
                jfr = r;
                if (warmUpRecording != null) {
                    warmUpRecording.close();
                    warmUpRecording = null;
                }
            } else {
                warmUpRecording = r;
            }
        }
        MessageRequests requests = context.getBean(MessageRequests.class);
        TransactionTemplate tx = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
        List<MessageRequest.ChannelChoice> channels = List.of(new MessageRequest.ChannelChoice("email", TEMPLATE));
        String prefix = keyPrefix;
        long startKeys = sink.keys().stream().filter(k -> k.startsWith(prefix)).count();
        if (startKeys != 0) {
            throw new IllegalStateException("keys of round " + round + " at the sink before it started");
        }
        long sinkBefore = sink.messages();
        lastReceived = 0;
        String tablesBefore = tables();
        MachineStats.Sample machineBefore = MachineStats.sample(postmasterPid());
        ThreadCpu.Snapshot threadsBefore = ThreadCpu.snapshot();
        long started = System.nanoTime();
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        AtomicInteger next = new AtomicInteger();
        List<Future<Long>> written = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            written.add(writers.submit(() -> {
                long done = 0;
                for (int from = next.getAndAdd(BATCH); from < messages; from = next.getAndAdd(BATCH)) {
                    int start = from;
                    int end = Math.min(messages, from + BATCH);
                    List<MessageRequest> batch = new ArrayList<>(end - start);
                    for (int i = start; i < end; i++) {
                        batch.add(new MessageRequest(null, prefix + i, contacts.get(i), null, null, null, "send",
                                channels, 0, MessageRequest.REQUESTED, null));
                    }
                    done += tx.execute(status -> requests.requestAll(batch).stream()
                            .filter(java.util.Optional::isPresent).count());
                }
                return done;
            }));
        }
        long requested = 0;
        for (Future<Long> f : written) {
            requested += f.get();
        }
        double writeSeconds = seconds(started);
        writers.shutdown();
        if (requested != messages) {
            throw new IllegalStateException("wrote " + requested + " of " + messages + " requests");
        }
        // Done when the sink has every message or every delivery not at the sink has ended otherwise (failed,
        // dead, in doubt: the ledger says why); the time is that of the last message at the sink.
        long deadline = System.nanoTime() + Math.max(300, messages / 20) * 1_000_000_000L;
        long lastLog = System.nanoTime();
        long lastCheck = System.nanoTime();
        long received = 0;
        long lastArrival = started;
        while ((received = sink.messages() - sinkBefore) < messages) {
            long now = System.nanoTime();
            if (received > 0 && received != lastReceived) {
                lastArrival = now;
                lastReceived = received;
            }
            if (now > deadline) {
                throw new IllegalStateException("pipeline round " + round + ": the sink has " + received + " of "
                        + messages + " after the deadline; deliveries by status: " + statuses(prefix)
                        + "; not sent: " + unsent(prefix));
            }
            if (now - lastCheck > 1_000_000_000L) {
                lastCheck = now;
                long[] c = counts(prefix);
                if (c[1] == 0 && c[0] + c[2] >= messages && sink.messages() - sinkBefore >= c[0]) {
                    break; // settled: every delivery sent or ended otherwise
                }
            }
            if (now - lastLog > 10_000_000_000L) {
                log("pipeline round %d: %d of %d at the sink after %.0f s; deliveries by status: %s", round,
                        received, messages, seconds(started), statuses(prefix));
                lastLog = now;
            }
            Thread.sleep(10);
        }
        if (sink.messages() - sinkBefore >= messages) {
            lastArrival = System.nanoTime();
        }
        double seconds = (lastArrival - started) / 1e9;
        ThreadCpu.Snapshot threadsAfter = ThreadCpu.snapshot();
        MachineStats.Usage usage = MachineStats.between(machineBefore, MachineStats.sample(postmasterPid()));
        String cpu = String.format(Locale.ROOT, "pipeline round %d (%s, %d e-mails, %.2f s): machine busy %.0f%%,"
                + " JVM %.0f%%, PostgreSQL %.0f%% = %.3f ms of PostgreSQL per e-mail; %s", round,
                measured ? "measured" : "warm-up", messages, usage.seconds(), usage.busy() * 100, usage.jvm() * 100,
                usage.postgres() * 100, usage.postgres() * usage.seconds() * MachineStats.cores() * 1000 / messages,
                ThreadCpu.perMessage(threadsBefore, threadsAfter, messages, 14));
        log("%s", cpu);
        notes.add(cpu);
        String grown = "pipeline round " + round + " tables before -> after (live/dead rows, autovacuum/analyze"
                + " runs): " + tablesBefore + " -> " + tables();
        log("%s", grown);
        if (measured || round == 1) {
            // A steady warm-up runs many rounds: the report keeps the growth of the first and the measured one.
            notes.add(grown);
        }
        if (jfr != null) {
            jfr.stop();
            Files.createDirectories(jfrFile.toAbsolutePath().getParent());
            jfr.dump(jfrFile);
            jfr.close();
        }
        // The ledger must agree with the sink, and nothing may arrive twice.
        Thread.sleep(1000);
        String statuses = statuses(prefix);
        long[] c = counts(prefix);
        long keys = count(sink, prefix);
        String check = String.format(Locale.ROOT, "pipeline round %d: %d requests written in %.2f s (%.0f/s);"
                + " %d e-mails at the sink %.2f s after the first request = %.0f e-mails/s; sink: %d distinct"
                + " message keys of the round, %d duplicates overall; deliveries by status: %s", round, messages,
                writeSeconds, messages / writeSeconds, keys, seconds, keys / seconds, keys, sink.duplicates(),
                statuses);
        log("%s", check);
        notes.add(check);
        String personal = String.format(Locale.ROOT, "pipeline round %d: messages whose subject names another"
                + " contact than the recipient (sink check, all rounds so far): %d%s", round, sink.crossed(),
                sink.crossed() == 0 ? "" : " " + sink.crossedSamples());
        log("%s", personal);
        if (measured || round == 1) {
            notes.add(personal); // counts all rounds so far
        }
        if (keys != c[0] || sink.duplicates() != 0 || c[0] + c[1] + c[2] != messages) {
            throw new IllegalStateException("loss or duplicates: " + check + "; not sent: " + unsent(prefix));
        }
        if (keys != messages) {
            String lost = String.format(Locale.ROOT, "pipeline round %d: %d of %d deliveries NOT sent (ledger and"
                    + " sink agree, no duplicate): %s", round, messages - keys, messages, unsent(prefix));
            log("%s", lost);
            notes.add(lost.replace("\n  ", " / "));
        }
        lastSeconds = seconds;
        String stages = stages(prefix);
        log("%s", stages);
        if (measured) {
            notes.add(stages);
        }
        return keys;
    }

    /** Rows, dead rows and autovacuum/autoanalyze runs of the tables every e-mail writes. */
    private String tables() throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery("""
                select relname, n_live_tup, n_dead_tup, autovacuum_count, autoanalyze_count from pg_stat_user_tables
                where relname in ('outbox', 'message_requests', 'deliveries', 'delivery_decisions', 'contacts')
                order by relname""")) {
            while (rs.next()) {
                sb.append(sb.isEmpty() ? "" : ", ").append(rs.getString(1)).append(' ').append(rs.getLong(2))
                        .append('/').append(rs.getLong(3)).append(" (").append(rs.getLong(4)).append('/')
                        .append(rs.getLong(5)).append(')');
            }
        }
        return "[" + sb + "]";
    }

    /** When each stage finished, from the requests' and deliveries' timestamps. */
    private String stages(String prefix) throws SQLException {
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery("""
                select extract(epoch from max(r.created_at) - min(r.created_at)) as written,
                       extract(epoch from max(r.decided_at) - min(r.created_at)) as decided,
                       extract(epoch from max(d.claimed_at) - min(r.created_at)) as claimed,
                       extract(epoch from max(d.sent_at) - min(r.created_at)) as sent,
                       percentile_cont(0.5) within group (order by extract(epoch from r.decided_at - r.created_at))
                           as arbitration_p50,
                       percentile_cont(0.5) within group (order by extract(epoch from d.claimed_at - d.created_at))
                           as queue_p50,
                       percentile_cont(0.5) within group (order by extract(epoch from d.sent_at - d.claimed_at))
                           as send_p50,
                       percentile_cont(0.99) within group (order by extract(epoch from d.sent_at - d.claimed_at))
                           as send_p99
                from message_requests r join deliveries d on d.request_id = r.id
                where r.dedupe_key like '%s%%'""".formatted(prefix))) {
            rs.next();
            return String.format(Locale.ROOT, "pipeline stages (seconds after the first request): last request"
                    + " written %.1f, last decided by arbitration %.1f, last claimed by the sender runtime %.1f,"
                    + " last marked sent %.1f; medians per message: request to decision %.3f s, delivery row to"
                    + " claim %.3f s, claim to sent %.3f s (p99 %.3f s)", rs.getDouble(1), rs.getDouble(2),
                    rs.getDouble(3), rs.getDouble(4), rs.getDouble(5), rs.getDouble(6), rs.getDouble(7),
                    rs.getDouble(8));
        }
    }

    private static long count(SmtpSink sink, String prefix) {
        long n = 0;
        for (String k : sink.keys()) {
            if (k.startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    /** Deliveries of the round: sent, still pending (queued, sending, retrying), ended otherwise. */
    private long[] counts(String prefix) throws SQLException {
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery("select count(*) filter (where"
                + " status = 'sent'), count(*) filter (where status in ('queued', 'sending', 'retrying')),"
                + " count(*) filter (where status not in ('sent', 'queued', 'sending', 'retrying')) from deliveries"
                + " where message_key like '" + prefix + "%'")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }

    /** Seconds of the last round, first request to last message at the sink. */
    double lastSeconds() {
        return lastSeconds;
    }

    private String statuses(String prefix) throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery("select status, count(*) from"
                + " deliveries where message_key like '" + prefix + "%' group by status order by status")) {
            while (rs.next()) {
                sb.append(sb.isEmpty() ? "" : ", ").append(rs.getString(1)).append('=').append(rs.getLong(2));
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }

    /** A few deliveries not sent, with their error and the request's decision trail. */
    private String unsent(String prefix) throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery("""
                select d.message_key, d.status, d.attempts, d.last_error,
                       (select string_agg(x.stage || ' ' || x.outcome || ': ' || x.reason, ' | ' order by x.id, x.step)
                        from delivery_trail x where x.request_id = d.request_id)
                from deliveries d where d.message_key like '%s%%' and d.status <> 'sent' limit 5""".formatted(
                prefix))) {
            while (rs.next()) {
                sb.append("\n  ").append(rs.getString(1)).append(' ').append(rs.getString(2)).append(" attempts ")
                        .append(rs.getInt(3)).append(": ").append(rs.getString(4)).append("; trail: ")
                        .append(rs.getString(5));
            }
        }
        return sb.toString();
    }

    private void execute(String statement) throws SQLException {
        try (Statement s = sql.createStatement()) {
            s.execute(statement);
        }
    }

    void close() {
        if (warmUpRecording != null) {
            warmUpRecording.close();
        }
        if (context != null) {
            context.close();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.println("[email-bench] " + String.format(Locale.ROOT, format, args));
    }
}
