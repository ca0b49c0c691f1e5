package io.activation.benchmark;

import java.util.Arrays;

/** Latencies in nanoseconds, read as nearest-rank percentiles. */
final class Latencies {

    private final long[] sorted;

    Latencies(long[] values, int count) {
        this.sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
    }

    /** Percentile {@code p} in [0, 100] in milliseconds; NaN when nothing was recorded. */
    double percentileMillis(double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
    }

    double maxMillis() {
        return percentileMillis(100);
    }

    int count() {
        return sorted.length;
    }
}
