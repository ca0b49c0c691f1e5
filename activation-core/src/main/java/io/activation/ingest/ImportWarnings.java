package io.activation.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Warnings of an import grouped by field and message, so 400 lines of one unknown country are one entry. */
final class ImportWarnings {

    private record Kind(String field, String message) {}

    private final int maxKinds;
    private final Map<Kind, ImportWarning> kinds = new LinkedHashMap<>();
    private long total;

    ImportWarnings(int maxKinds) {
        this.maxKinds = maxKinds;
    }

    ImportWarnings(int maxKinds, List<ImportWarning> existing) {
        this(maxKinds);
        existing.forEach(w -> kinds.put(new Kind(w.field(), w.message()), w));
    }

    void add(String field, String column, String message, long line) {
        total++;
        add(new ImportWarning(field, column, message, 1, line));
    }

    private void add(ImportWarning w) {
        Kind kind = new Kind(w.field(), w.message());
        ImportWarning seen = kinds.get(kind);
        if (seen != null) {
            kinds.put(kind, new ImportWarning(seen.field(), seen.column(), seen.message(), seen.count() + w.count(),
                    Math.min(seen.firstLine(), w.firstLine())));
        } else if (kinds.size() < maxKinds) {
            kinds.put(kind, w);
        }
    }

    /** A copy with the other's warnings added. */
    ImportWarnings plus(ImportWarnings other) {
        ImportWarnings sum = new ImportWarnings(maxKinds, list());
        other.kinds.values().forEach(sum::add);
        sum.total = total + other.total;
        return sum;
    }

    /** All warnings counted, also those of kinds beyond the ones kept. */
    long total() {
        return total;
    }

    List<ImportWarning> list() {
        return new ArrayList<>(kinds.values());
    }
}
