package io.activation.ingest;

/**
 * What an import did so far, counted over committed chunks. Every record read ends in exactly one of created,
 * updated, unchanged, rejected or skipped.
 *
 * @param linesRead records read after the header (blank lines are not records)
 * @param rowsSkipped records left out on purpose ({@code skipRowsWithoutContact})
 * @param warnings values dropped with a warning (their lines were imported)
 */
public record ImportCounters(long linesRead, long rowsCreated, long rowsUpdated, long rowsUnchanged,
        long rowsRejected, long rowsSkipped, long warnings) {

    public static final ImportCounters ZERO = new ImportCounters(0, 0, 0, 0, 0, 0, 0);

    /** Rows created or updated. */
    public long rowsWritten() {
        return rowsCreated + rowsUpdated;
    }

    ImportCounters plus(ImportCounters o) {
        return new ImportCounters(linesRead + o.linesRead, rowsCreated + o.rowsCreated, rowsUpdated + o.rowsUpdated,
                rowsUnchanged + o.rowsUnchanged, rowsRejected + o.rowsRejected, rowsSkipped + o.rowsSkipped,
                warnings + o.warnings);
    }
}
