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
 * Each phase sends {@code bench.warmupMessages} first (not measured), then {@code bench.messages}.
 *
 * <p>Run by {@code ./mvnw -B -ntp -pl activation-web -am -Pbenchmark-email verify}; never part of the test suite.
 */
public final class EmailBenchmark {

    /** One measured phase: sends {@code messages} e-mails to the sink, answers how many were accepted. */
    interface Phase {
        /** Untimed set-up before each {@link #run} of that size (the pipeline's contacts). */
        default void prepare(SmtpSink sink, int messages) throws Exception {}

        long run(SmtpSink sink, int messages, int threads) throws Exception;
    }

    static final Map<String, Phase> PHASES = new LinkedHashMap<>();

    /** Lines the phases add to the report (the pipeline's set-up, checks and stage timings). */
    static final List<String> NOTES = new ArrayList<>();

    static {
        PHASES.put("raw", EmailBenchmark::raw);
        PHASES.put("sender", EmailBenchmark::sender);
    }

    record Result(String phase, long messages, double seconds, MachineStats.Usage usage, long connections) {
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
        int warmup = Integer.getInteger("bench.warmupMessages", 5_000);
        int threads = Integer.getInteger("bench.threads", 4);
        List<String> phases = List.of(System.getProperty("bench.phases", "raw,sender,pipeline").split(","));
        Path output = Path.of(System.getProperty("bench.output", "target/benchmark/email-results.md"));
        EmailPipeline pipeline = new EmailPipeline(output.resolveSibling("email-pipeline.jfr"), NOTES);
        PHASES.put("pipeline", pipeline);
        String loadBefore = MachineStats.loadAverage();
        if (phases.stream().anyMatch(n -> n.trim().equals("pipeline"))
                && !System.getProperty("bench.jfr", "default").equals("none")
                && Boolean.parseBoolean(System.getProperty("bench.jfrEarly", "true"))) {
            // The pipeline's measured round runs under a JFR recording. The first recording of a JVM initialises
            // JFR, which retransforms JDK classes for its I/O events, and on JDK 17 the first retransformation
            // throws away every method the JIT has compiled so far (HotSpot's RedefineClasses deoptimises all
            // compiled code when dependencies were not recorded from start-up). Started in the measured round,
            // that made the round re-run its warmed-up code interpreted and compile it all again: a round measured
            // after 30,000 warm-up e-mails ran at 674/s while its warm-up ran at 1,169/s. Initialised here, before
            // any phase and its warm-up, the one-time deoptimisation is over before anything is measured; raw and
            // sender run under the same initialised (idle) recorder.
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
                phase.prepare(sink, warmup);
                if (phase == pipeline && postmaster < 0) {
                    postmaster = pipeline.postmasterPid();
                }
                System.out.println("[email-bench] " + name + ": warm-up " + warmup + " messages");
                phase.run(sink, warmup, threads);
                phase.prepare(sink, messages);
                long connectionsBefore = sink.connections();
                long before = sink.messages();
                MachineStats.Sample a = MachineStats.sample(postmaster);
                long accepted = phase.run(sink, messages, threads);
                MachineStats.Sample b = MachineStats.sample(postmaster);
                MachineStats.Usage usage = MachineStats.between(a, b);
                // The pipeline reports the e-mails that reached the sink (a delivery the ledger marked failed is
                // reported apart); raw and sender must get every message through.
                if (sink.messages() - before != accepted || (phase != pipeline && accepted != messages)) {
                    throw new IllegalStateException(name + ": the sink counted " + (sink.messages() - before)
                            + " and the client " + accepted + " of " + messages);
                }
                double seconds = phase == pipeline ? pipeline.lastSeconds() : usage.seconds();
                Result r = new Result(name, accepted, seconds, usage, sink.connections() - connectionsBefore);
                results.add(r);
                System.out.printf(Locale.ROOT, "[email-bench] %s: %d messages in %.2f s = %.0f/s (CPU busy %.0f%%, "
                        + "JVM %.0f%%, PostgreSQL %.0f%%), %d new connections%n", name, accepted, r.seconds(),
                        r.rate(), usage.busy() * 100, usage.jvm() * 100, usage.postgres() * 100, r.connections());
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

    private static String report(List<Result> results, int messages, int warmup, int threads, String loadBefore) {
        StringBuilder md = new StringBuilder();
        md.append("E-mail benchmark, ").append(DateTimeFormatter.ISO_INSTANT.format(Instant.now())).append("\n\n");
        md.append("Machine: ").append(MachineStats.cores()).append(" cores, ").append(MachineStats.cpuModel())
                .append(", ").append(MachineStats.memory()).append(", load average before ").append(loadBefore)
                .append(", after ").append(MachineStats.loadAverage()).append("\n");
        md.append("Settings: ").append(messages).append(" messages per phase after ").append(warmup)
                .append(" warm-up, raw/sender: ").append(threads).append(" threads / connections, pipeline: the"
                        + " application's defaults; sink: SmtpSink on 127.0.0.1\n\n");
        md.append("| phase | e-mails/s | seconds | CPU busy (machine) | JVM | PostgreSQL | other processes |"
                + " new connections |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %d |%n",
                    r.phase(), r.rate(), r.seconds(), r.usage().busy() * 100, r.usage().jvm() * 100,
                    r.usage().postgres() * 100, r.usage().other() * 100, r.connections()));
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
