package io.activation.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the machine did during a phase, from Linux's {@code /proc}: how busy all cores were, how much of that was
 * this JVM (application, in-process Kafka broker and load generator), how much PostgreSQL (the postmaster and its
 * backends), and the rest, which is other work on the machine (other builds running at the same time).
 */
final class MachineStats {

    /** Jiffies per second; 100 on every mainstream Linux build. */
    private static final double CLOCK_TICKS = 100.0;

    /** A point in time: whole-machine jiffies, idle jiffies, this JVM's CPU and its descendants' CPU. */
    record Sample(long nanoTime, long totalJiffies, long idleJiffies, long jvmCpuNanos, long childJiffies,
            long jitJiffies) {}

    /**
     * Shares of the machine's whole capacity (all cores) over an interval, 0..1; {@code jit} is the part of
     * {@code jvm} the JIT compiler threads took.
     */
    record Usage(double busy, double jvm, double postgres, double other, double jit, double seconds) {
        /** {@code cpuNanos} of some threads as a share of the machine's capacity over this interval. */
        double share(long cpuNanos, int cores) {
            return cpuNanos / (seconds * 1e9 * cores);
        }
    }

    private MachineStats() {}

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** @param postmasterPid the PostgreSQL server's main process (its backends are its children) */
    static Sample sample(long postmasterPid) {
        long[] cpu = machineJiffies();
        return new Sample(System.nanoTime(), cpu[0], cpu[1], jvmCpuNanos(), treeJiffies(postmasterPid),
                compilerJiffies());
    }

    static Usage between(Sample a, Sample b) {
        double total = Math.max(1, b.totalJiffies() - a.totalJiffies());
        double busy = 1 - (b.idleJiffies() - a.idleJiffies()) / total;
        double seconds = (b.nanoTime() - a.nanoTime()) / 1e9;
        double capacitySeconds = total / CLOCK_TICKS;
        double jvm = (b.jvmCpuNanos() - a.jvmCpuNanos()) / 1e9 / capacitySeconds;
        double postgres = (b.childJiffies() - a.childJiffies()) / CLOCK_TICKS / capacitySeconds;
        double jit = Math.min(jvm, (b.jitJiffies() - a.jitJiffies()) / CLOCK_TICKS / capacitySeconds);
        return new Usage(busy, jvm, postgres, Math.max(0, busy - jvm - postgres), jit, seconds);
    }

    /**
     * The PostgreSQL postmaster's process id, read from its data directory, so its CPU can be sampled; -1 (and a
     * warning) when it cannot be read, e.g. for a server on another machine.
     */
    static long postmasterPid(Connection connection, Consumer<String> warn) {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("show data_directory")) {
            rs.next();
            Path dataDirectory = Path.of(rs.getString(1));
            return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException | SQLException | RuntimeException e) {
            warn.accept("PostgreSQL's CPU cannot be measured: " + e);
            return -1;
        }
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    static String memory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("\\D+", ""));
                    return String.format("%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "n/a";
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "n/a";
    }

    /** [all jiffies, idle + iowait jiffies] summed over all cores. */
    private static long[] machineJiffies() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long total = 0;
            // user nice system idle iowait irq softirq steal (guest time is already inside user)
            for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total, idle};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** CPU jiffies of this JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre" in /proc). */
    static long compilerJiffies() {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.contains("CompilerThre")) {
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return sum;
    }

    private static long jvmCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /**
     * CPU jiffies of a process and every live process descended from it, including the time of children they
     * already reaped (PostgreSQL backends of closed connections).
     */
    private static long treeJiffies(long root) {
        if (root <= 0) {
            return 0;
        }
        Map<Long, List<Long>> children = new HashMap<>();
        Map<Long, Long> jiffies = new HashMap<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                String name = dir.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(dir.resolve("stat"));
                    // The command name may contain spaces: fields start after the last ')'.
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long pid = Long.parseLong(name);
                    long ppid = Long.parseLong(f[1]);
                    long cpu = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
                            + Long.parseLong(f[14]);
                    children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(pid);
                    jiffies.put(pid, cpu);
                } catch (IOException | RuntimeException e) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            return 0;
        }
        long sum = 0;
        Deque<Long> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            sum += jiffies.getOrDefault(pid, 0L);
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return sum;
    }
}
