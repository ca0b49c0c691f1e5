package io.activation.benchmark;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this JVM's threads from {@code /proc/self/task/<tid>/stat} (user + system), grouped by what the thread
 * is for, between two snapshots: what a round cost per e-mail, thread group by thread group, including the JIT
 * compiler and garbage collector threads that JFR's execution samples never see. Also the collectors' counts and
 * pause time over the interval (MXBeans).
 */
final class ThreadCpu {

    /** Jiffies per second; 100 on every mainstream Linux build. */
    private static final double CLOCK_TICKS = 100.0;

    /**
     * Per thread (id -> name, jiffies), the whole process's jiffies ({@code /proc/self/stat}: it keeps the time of
     * threads that have ended, which the per-thread files lose with their thread), and the collectors' counts.
     */
    record Snapshot(Map<Long, String> names, Map<Long, Long> jiffies, long process, long gcCount, long gcMillis) {}

    private ThreadCpu() {}

    static Snapshot snapshot() {
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> jiffies = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long tid = Long.parseLong(task.getFileName().toString());
                    names.put(tid, name);
                    jiffies.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            // no /proc: empty snapshot
        }
        long process = 0;
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            process = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            // no /proc: the sum of the threads stands in
            process = jiffies.values().stream().mapToLong(Long::longValue).sum();
        }
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new Snapshot(names, jiffies, process, count, millis);
    }

    /** Thread name without its number: "sender-email-12" -> "sender-email-*", "C2 CompilerThre" -> "JIT compiler". */
    static String group(String name) {
        if (name.contains("CompilerThre")) {
            return "JIT compiler";
        }
        if (name.startsWith("G1 ") || name.startsWith("GC Thread")) {
            return "GC";
        }
        if (name.startsWith("data-plane-kafka") || name.startsWith("kafka-") || name.contains("group-coordinator")
                || name.startsWith("ExpirationReaper") || name.startsWith("raft") || name.startsWith("broker-")
                || name.startsWith("controller-") || name.startsWith("LogDirFailure") || name.startsWith("quorum")) {
            return "Kafka broker";
        }
        String g = name.replaceAll("\\d+", "*");
        return g;
    }

    /** Per group, milliseconds of CPU per message over the interval, largest first; the total first. */
    static String perMessage(Snapshot a, Snapshot b, long messages, int top) {
        Map<String, Long> byGroup = new TreeMap<>();
        long total = 0;
        for (Map.Entry<Long, Long> e : b.jiffies().entrySet()) {
            long before = a.jiffies().getOrDefault(e.getKey(), 0L);
            long d = e.getValue() - before;
            if (d <= 0) {
                continue;
            }
            total += d;
            byGroup.merge(group(b.names().get(e.getKey())), d, Long::sum);
        }
        // Threads that ended during the interval (a round's worker pool, the benchmark's writer threads) are gone from
        // /proc/self/task; the process's own counter still has their time.
        long process = Math.max(total, b.process() - a.process());
        if (process > total) {
            byGroup.merge("threads that ended", process - total, Long::sum);
            total = process;
        }
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(byGroup.entrySet());
        sorted.sort((x, y) -> Long.compare(y.getValue(), x.getValue()));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "JVM threads %.3f ms per e-mail",
                ms(total, messages)));
        sb.append(String.format(Locale.ROOT, " (GC: %d collections, %d ms of pauses)", b.gcCount() - a.gcCount(),
                b.gcMillis() - a.gcMillis()));
        sb.append(": ");
        for (int i = 0; i < Math.min(top, sorted.size()); i++) {
            Map.Entry<String, Long> e = sorted.get(i);
            sb.append(i == 0 ? "" : ", ").append(e.getKey()).append(' ')
                    .append(String.format(Locale.ROOT, "%.3f", ms(e.getValue(), messages)));
        }
        return sb.toString();
    }

    /**
     * Jiffies of the JIT compiler threads (C1 and C2) and of the whole JVM process between two snapshots:
     * {@code [jit, total]}. The total is the process's counter, which keeps the time of threads that ended (a
     * round's worker pool); the compiler threads' own counters are read per thread (threads that started after
     * {@code a} count from zero). HotSpot never retires the last compiler thread of each kind, and this 2-core
     * machine has one of each, so no compiler time is lost with an ended thread here.
     */
    static long[] jit(Snapshot a, Snapshot b) {
        long jit = 0;
        long threads = 0;
        for (Map.Entry<Long, Long> e : b.jiffies().entrySet()) {
            long d = e.getValue() - a.jiffies().getOrDefault(e.getKey(), 0L);
            if (d <= 0) {
                continue;
            }
            threads += d;
            if (group(b.names().get(e.getKey())).equals("JIT compiler")) {
                jit += d;
            }
        }
        return new long[] {jit, Math.max(threads, b.process() - a.process())};
    }

    /** The JIT compiler threads' share of this JVM's CPU between two snapshots (0 when the JVM used none). */
    static double jitShare(Snapshot a, Snapshot b) {
        long[] j = jit(a, b);
        return j[1] == 0 ? 0 : (double) j[0] / j[1];
    }

    /** Milliseconds of CPU per message of {@code jiffies}. */
    static double msPerMessage(long jiffies, long messages) {
        return ms(jiffies, messages);
    }

    private static double ms(long jiffies, long messages) {
        return jiffies / CLOCK_TICKS * 1000.0 / Math.max(1, messages);
    }
}
