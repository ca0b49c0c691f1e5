package io.activation.benchmark;

import io.activation.channels.email.EmailProperties;
import io.activation.channels.email.SmtpSender;
import io.activation.channels.email.SmtpServer;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.Recipient;
import io.activation.delivery.spi.SendResult;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The e-mail benchmark of {@code docs/benchmarks.md}: e-mails per second to a local SMTP sink ({@link SmtpSink}, which
 * only counts), in one run, phase by phase ({@code bench.phases}):
 * <ol>
 * <li>{@code raw}: plain Jakarta Mail at its best: {@code bench.threads} threads, each with its own connected
 * {@link Transport} kept open, each message built ({@code multipart/alternative}, text + HTML) and sent;</li>
 * <li>{@code sender}: {@link SmtpSender} (the channel as the sender runtime calls it: address check, throttle lookup,
 * deterministic Message-ID, List-Unsubscribe, connection pool of {@code bench.threads}) from as many threads.</li>
 * <li>{@code pipeline}: the whole application ({@link EmailPipeline}): message requests through arbitration, the
 * sender runtime (ledger, Liquid rendering with tracked links and pixel) and the e-mail channel to the same sink,
 * with product defaults; every message key checked at the sink (no loss, no duplicate).</li>
 * </ol>
 * Each phase warms up first (not measured; {@link Warmup}: one fixed round, or rounds until the JIT compiler threads'
 * share of the JVM's CPU is below a bar), then sends {@code bench.messages}; the measured round's JIT share is
 * reported too.
 *
 * <p>Run by {@code ./mvnw -B -ntp -pl activation-web -am -Pbenchmark-email verify}; never part of the test suite.
 */
public final class EmailBenchmark {

    /** One measured phase: sends {@code messages} e-mails to the sink, answers how many were accepted. */
    interface Phase {
        /** Untimed set-up before each {@link #run} of that size (the pipeline's contacts). */
        default void prepare(SmtpSink sink, int messages) throws Exception {}

        /** Says that the next {@link #run} is the measured round (every run before it is a warm-up round). */
        default void measuredRoundNext() {}

        long run(SmtpSink sink, int messages, int threads) throws Exception;
    }

    static final Map<String, Phase> PHASES = new LinkedHashMap<>();

    /** Lines the phases add to the report (the pipeline's set-up, checks and stage timings). */
    static final List<String> NOTES = new ArrayList<>();

    static {
        PHASES.put("raw", EmailBenchmark::raw);
        PHASES.put("sender", EmailBenchmark::sender);
    }

    /**
     * How each phase warms up before its measured round ({@code bench.warmup}, {@code bench.warmupMessages}):
     * <ul>
     * <li>fixed: one warm-up round of {@code bench.warmupMessages} e-mails (2,000 by default);</li>
     * <li>steady: warm-up rounds of {@code bench.steadyRound} e-mails each until the JIT compiler threads took less
     * than {@code bench.steadyJitShare} of this JVM's CPU in the last one (per-thread CPU from {@code /proc},
     * {@link ThreadCpu}), at most {@code bench.steadyMaxRounds} rounds. Raw, sender and pipeline alike.</li>
     * </ul>
     * {@code bench.warmupMessages} given (not empty) means fixed, whatever {@code bench.warmup} says.
     */
    record Warmup(boolean steady, int fixedMessages, int roundMessages, double jitShare, int maxRounds) {

        static Warmup fromProperties() {
            String fixed = System.getProperty("bench.warmupMessages", "").trim();
            String mode = System.getProperty("bench.warmup", "fixed").trim();
            if (!mode.equals("steady") && !mode.equals("fixed")) {
                throw new IllegalArgumentException("bench.warmup: steady or fixed, not " + mode);
            }
            boolean steady = fixed.isEmpty() && mode.equals("steady");
            Warmup w = new Warmup(steady, fixed.isEmpty() ? 2_000 : Integer.parseInt(fixed),
                    Integer.getInteger("bench.steadyRound", 5_000),
                    Double.parseDouble(System.getProperty("bench.steadyJitShare", "0.05")),
                    Integer.getInteger("bench.steadyMaxRounds", 30));
            if (w.roundMessages < 1 || w.maxRounds < 1 || w.jitShare <= 0 || w.fixedMessages < 0) {
                throw new IllegalArgumentException("bench.steadyRound, bench.steadyMaxRounds, bench.steadyJitShare"
                        + " must be positive and bench.warmupMessages not negative: " + w);
            }
            return w;
        }

        String describe() {
            return steady ? String.format(Locale.ROOT, "steady (rounds of %d e-mails until the JIT compiler threads"
                    + " take < %.0f%% of the JVM's CPU in a round, at most %d rounds)", roundMessages, jitShare * 100,
                    maxRounds) : "fixed (" + fixedMessages + " e-mails)";
        }
    }

    /** What a phase's warm-up took: e-mails, rounds, the JIT share of its last round, whether it reached the bar. */
    record WarmedUp(long messages, int rounds, double lastJitShare, boolean steady, boolean reached) {
        String describe() {
            return String.format(Locale.ROOT, "%d e-mails in %d round%s, JIT %.1f%% of the JVM's CPU in the last%s",
                    messages, rounds, rounds == 1 ? "" : "s", lastJitShare * 100,
                    !steady ? "" : reached ? " (steady)" : " (NOT below the bar: round cap reached)");
        }
    }

    /** Runs a phase's warm-up rounds as {@code warmup} says; prints each round's JIT share. */
    private static WarmedUp warmUp(String name, Phase phase, SmtpSink sink, Warmup warmup, int threads) throws Exception {
        int size = warmup.steady() ? warmup.roundMessages() : warmup.fixedMessages();
        if (size == 0) {
            return new WarmedUp(0, 0, 0, false, false);
        }
        long total = 0;
        int rounds = 0;
        double share;
        long started = System.nanoTime();
        do {
            phase.prepare(sink, size);
            ThreadCpu.Snapshot a = ThreadCpu.snapshot();
            long t = System.nanoTime();
            phase.run(sink, size, threads);
            double seconds = (System.nanoTime() - t) / 1e9;
            ThreadCpu.Snapshot b = ThreadCpu.snapshot();
            long[] jit = ThreadCpu.jit(a, b);
            share = jit[1] == 0 ? 0 : (double) jit[0] / jit[1];
            total += size;
            rounds++;
            String line = String.format(Locale.ROOT, "%s warm-up round %d: %d e-mails in %.2f s (%.0f/s), JVM"
                    + " threads %.3f ms per e-mail, JIT compiler %.3f ms = %.1f%% of the JVM's CPU", name, rounds,
                    size, seconds, size / seconds, ThreadCpu.msPerMessage(jit[1], size),
                    ThreadCpu.msPerMessage(jit[0], size), share * 100);
            System.out.println("[email-bench] " + line);
            if (warmup.steady()) {
                NOTES.add(line);
            }
        } while (warmup.steady() && share >= warmup.jitShare() && rounds < warmup.maxRounds());
        boolean reached = share < warmup.jitShare();
        System.out.printf(Locale.ROOT, "[email-bench] %s warm-up: %d e-mails in %d rounds, %.0f s%s%n", name, total,
                rounds, (System.nanoTime() - started) / 1e9, !warmup.steady() ? "" : reached ? ", steady"
                        : ", JIT share still above the bar after the round cap");
        return new WarmedUp(total, rounds, share, warmup.steady(), reached);
    }

    record Result(String phase, long messages, double seconds, MachineStats.Usage usage, long connections,
            WarmedUp warmedUp, double jitShare, double jvmMs, double jitMs) {
        double rate() {
            return messages / seconds;
        }
    }

    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run() throws Exception {
        int messages = Integer.getInteger("bench.messages", 20_000);
        Warmup warmup = Warmup.fromProperties();
        int threads = Integer.getInteger("bench.threads", 4);
        List<String> phases = List.of(System.getProperty("bench.phases", "raw,sender,pipeline").split(","));
        Path output = Path.of(System.getProperty("bench.output", "target/benchmark/email-results.md"));
        EmailPipeline pipeline = new EmailPipeline(output.resolveSibling("email-pipeline.jfr"), NOTES);
        PHASES.put("pipeline", pipeline);
        String loadBefore = MachineStats.loadAverage();
        if (phases.stream().anyMatch(n -> n.trim().equals("pipeline"))
                && !System.getProperty("bench.jfr", "none").equals("none")
                && Boolean.parseBoolean(System.getProperty("bench.jfrEarly", "true"))) {
            // The pipeline's measured round runs under a JFR recording. The first recording of a JVM initialises
            // JFR, which retransforms JDK classes for its I/O events, and on JDK 17 the first retransformation
            // throws away every method the JIT has compiled so far (HotSpot's RedefineClasses deoptimises all
            // compiled code when dependencies were not recorded from start-up). Started in the measured round,
            // that made the round re-run its warmed-up code interpreted and compile it all again: a round measured
            // after 30,000 warm-up e-mails ran at 674/s while its warm-up ran at 1,169/s. Initialised here, before
            // any phase and its warm-up, the one-time deoptimisation is over before anything is measured; raw and
            // sender run under the same initialised (idle) recorder. That recorder is not free for them: raw ran at
            // 1,819-2,325/s with it (five runs) and 2,301-2,604/s without JFR (five runs), so recording is opt-in
            // (bench.jfr, default none) and a run that records says so beside its figures.
            jdk.jfr.FlightRecorder.getFlightRecorder();
        }

        List<Result> results = new ArrayList<>();
        try (SmtpSink sink = new SmtpSink()) {
            long postmaster = -1;
            for (String name : phases) {
                Phase phase = PHASES.get(name.trim());
                if (phase == null) {
                    throw new IllegalArgumentException("bench.phases: no phase " + name + " (" + PHASES.keySet()
                            + ")");
                }
                WarmedUp warmed = warmUp(name, phase, sink, warmup, threads);
                phase.prepare(sink, messages);
                if (phase == pipeline && postmaster < 0) {
                    postmaster = pipeline.postmasterPid();
                }
                phase.measuredRoundNext();
                long connectionsBefore = sink.connections();
                long before = sink.messages();
                MachineStats.Sample a = MachineStats.sample(postmaster);
                ThreadCpu.Snapshot threadsBefore = ThreadCpu.snapshot();
                long accepted = phase.run(sink, messages, threads);
                ThreadCpu.Snapshot threadsAfter = ThreadCpu.snapshot();
                MachineStats.Sample b = MachineStats.sample(postmaster);
                MachineStats.Usage usage = MachineStats.between(a, b);
                // The pipeline reports the e-mails that reached the sink (a delivery the ledger marked failed is
                // reported apart); raw and sender must get every message through.
                if (sink.messages() - before != accepted || (phase != pipeline && accepted != messages)) {
                    throw new IllegalStateException(name + ": the sink counted " + (sink.messages() - before)
                            + " and the client " + accepted + " of " + messages);
                }
                double seconds = phase == pipeline ? pipeline.lastSeconds() : usage.seconds();
                long[] jit = ThreadCpu.jit(threadsBefore, threadsAfter);
                Result r = new Result(name, accepted, seconds, usage, sink.connections() - connectionsBefore,
                        warmed, jit[1] == 0 ? 0 : (double) jit[0] / jit[1],
                        ThreadCpu.msPerMessage(jit[1], accepted), ThreadCpu.msPerMessage(jit[0], accepted));
                results.add(r);
                System.out.printf(Locale.ROOT, "[email-bench] %s: %d messages in %.2f s = %.0f/s (CPU busy %.0f%%, "
                        + "JVM %.0f%%, PostgreSQL %.0f%%), %d new connections; JVM threads %.3f ms per e-mail, JIT"
                        + " compiler %.3f ms = %.1f%% of the JVM's CPU; warm-up: %s%n", name, accepted, r.seconds(),
                        r.rate(), usage.busy() * 100, usage.jvm() * 100, usage.postgres() * 100, r.connections(),
                        r.jvmMs(), r.jitMs(), r.jitShare() * 100, warmed.describe());
            }
        } finally {
            pipeline.close();
        }
        String report = report(results, messages, warmup, threads, loadBefore);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, report, StandardCharsets.UTF_8);
        System.out.println(report);
        System.out.println("[email-bench] report written to " + output.toAbsolutePath());
    }

    private static String report(List<Result> results, int messages, Warmup warmup, int threads, String loadBefore) {
        StringBuilder md = new StringBuilder();
        md.append("E-mail benchmark, ").append(DateTimeFormatter.ISO_INSTANT.format(Instant.now())).append("\n\n");
        md.append("Machine: ").append(MachineStats.cores()).append(" cores, ").append(MachineStats.cpuModel())
                .append(", ").append(MachineStats.memory()).append(", load average before ").append(loadBefore)
                .append(", after ").append(MachineStats.loadAverage()).append("\n");
        md.append("Settings: ").append(messages).append(" messages per phase; warm-up ").append(warmup.describe())
                .append("; raw/sender: ").append(threads).append(" threads / connections, pipeline: the"
                        + " application's defaults; sink: SmtpSink on 127.0.0.1\n\n");
        md.append("| phase | e-mails/s | seconds | CPU busy (machine) | JVM | PostgreSQL | other processes |"
                + " new connections |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %d |%n",
                    r.phase(), r.rate(), r.seconds(), r.usage().busy() * 100, r.usage().jvm() * 100,
                    r.usage().postgres() * 100, r.usage().other() * 100, r.connections()));
        }
        md.append("\nWarm-up and JIT (JIT compiler threads' CPU from /proc/self/task, share of this JVM's CPU):\n\n");
        md.append("| phase | warm-up e-mails | rounds | JIT share, last warm-up round | measured: JVM threads ms /"
                + " e-mail | JIT ms / e-mail | JIT share |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            WarmedUp w = r.warmedUp();
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %.1f%%%s | %.3f | %.3f | %.1f%% |%n", r.phase(),
                    w.messages(), w.rounds(), w.lastJitShare() * 100, w.steady() && !w.reached() ? " (cap reached)"
                            : "", r.jvmMs(), r.jitMs(), r.jitShare() * 100));
        }
        Result raw = results.stream().filter(r -> r.phase().equals("raw")).findFirst().orElse(null);
        if (raw != null) {
            md.append("\n");
            for (Result r : results) {
                if (r != raw) {
                    md.append(String.format(Locale.ROOT, "- %s = %.0f%% of raw%s%n", r.phase(),
                            100 * r.rate() / raw.rate(), r.phase().equals("pipeline") ? String.format(Locale.ROOT,
                                    " (goal >= 50%%: %s; goal >= 1,000/s: %s)", r.rate() >= raw.rate() / 2 ? "met"
                                            : "missed", r.rate() >= 1000 ? "met" : "missed") : ""));
                }
            }
        }
        if (!NOTES.isEmpty()) {
            md.append("\n");
            NOTES.forEach(n -> md.append("- ").append(n).append("\n"));
        }
        return md.toString();
    }

    private static long runParallel(int messages, int threads, java.util.function.IntFunction<Callable<Boolean>> task)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<Long>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    long ok = 0;
                    for (int i = next.getAndIncrement(); i < messages; i = next.getAndIncrement()) {
                        if (task.apply(i).call()) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            long ok = 0;
            for (Future<Long> f : workers) {
                ok += f.get();
            }
            return ok;
        } finally {
            pool.shutdownNow();
        }
    }

    private static final String TEXT = "Hello Ada,\n\nthe Blue kettle (EUR 39.90) is still in your cart.\n"
            + "Open it: https://shop.example/t/c/abcdefghijklmnopqrstuvwxyz0123456789\n".repeat(5);
    private static final String HTML = "<html><body><p>Hello Ada,</p><p>the <b>Blue kettle</b> (EUR 39.90) is still "
            + "in your cart.</p>" + "<p><a href=\"https://shop.example/t/c/abcdefghijklmnopqrstuvwxyz0123456789\">"
            + "Open it</a></p>".repeat(5) + "<img src=\"https://shop.example/t/o/abcdefghijkl\"></body></html>";

    /** Plain Jakarta Mail: one open Transport per thread, message built and sent. */
    static long raw(SmtpSink sink, int messages, int threads) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(sink.port()));
        Session session = Session.getInstance(p);
        ThreadLocal<Transport> transports = new ThreadLocal<>();
        List<Transport> all = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            return runParallel(messages, threads, i -> () -> {
                Transport t = transports.get();
                if (t == null) {
                    t = session.getTransport("smtp");
                    t.connect();
                    transports.set(t);
                    all.add(t);
                }
                MimeMessage m = new MimeMessage(session);
                m.setFrom(new InternetAddress("news@shop.example", "The Shop", "UTF-8"));
                m.setRecipient(Message.RecipientType.TO, new InternetAddress("r" + i + "@example.org"));
                m.setSubject("Your cart misses you, Ada", "UTF-8");
                m.setSentDate(new Date());
                MimeMultipart alternative = new MimeMultipart("alternative");
                MimeBodyPart text = new MimeBodyPart();
                text.setText(TEXT, "UTF-8", "plain");
                MimeBodyPart html = new MimeBodyPart();
                html.setText(HTML, "UTF-8", "html");
                alternative.addBodyPart(text);
                alternative.addBodyPart(html);
                m.setContent(alternative);
                m.saveChanges();
                t.sendMessage(m, new Address[] {m.getRecipients(Message.RecipientType.TO)[0]});
                return true;
            });
        } finally {
            for (Transport t : all) {
                try {
                    t.close();
                } catch (MessagingException e) {
                    // closing
                }
            }
        }
    }

    private static final AtomicInteger SENDER_RUN = new AtomicInteger();

    /** The channel's SmtpSender, as the sender runtime calls it. */
    static long sender(SmtpSink sink, int messages, int threads) throws Exception {
        EmailProperties defaults = EmailProperties.defaults("news@shop.example");
        EmailProperties settings = new EmailProperties(true, defaults.from(), "The Shop", "", "", "", threads,
                defaults.poolWait(), 0, defaults.maxIdle(), defaults.connectTimeout(), defaults.readTimeout(),
                defaults.writeTimeout(), 0, 10, Map.of(), defaults.throttleMaxWait(), defaults.dkim(),
                defaults.bounces(), "");
        int run = SENDER_RUN.incrementAndGet();
        try (SmtpSender sender = new SmtpSender(SmtpServer.of("127.0.0.1", sink.port()), settings,
                Clock.system(ZoneOffset.UTC))) {
            return runParallel(messages, threads, i -> () -> {
                Map<String, String> parts = Map.of(Content.SUBJECT, "Your cart misses you, Ada", Content.TEXT, TEXT,
                        Content.HTML, HTML, Content.UNSUBSCRIBE_URL, "https://shop.example/u/tok" + i,
                        Content.UNSUBSCRIBE_POST_URL, "https://shop.example/u/tok" + i);
                SendResult r = sender.send(new OutboundMessage("bench-" + run + "-" + i + ":email", i, i, "email",
                        new Recipient("r" + i + "@example.org", "Ada Lovelace", Map.of()),
                        new Content(parts, Map.of()), 1, Instant.now(), Map.of()));
                if (!(r instanceof SendResult.Accepted)) {
                    throw new IllegalStateException("message " + i + ": " + r);
                }
                return true;
            });
        }
    }

    private EmailBenchmark() {}
}
