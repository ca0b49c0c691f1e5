package io.activation.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/** How imports read CSV: RFC 4180 with a header line, through a {@link StrictReader}. */
final class CsvFiles {

    private CsvFiles() {}

    static CSVFormat format(ImportOptions options) {
        return CSVFormat.RFC4180.builder()
                .setDelimiter(options.delimiter())
                .setHeader()
                .setSkipHeaderRecord(true)
                .setIgnoreEmptyLines(false)
                .setAllowMissingColumnNames(true)
                .setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_EMPTY)
                .setTrim(false)
                .get();
    }

    static CSVParser open(InputStream in, ImportOptions options) throws IOException {
        Reader reader = new StrictReader(in, options.encoding());
        try {
            return format(options).parse(reader);
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    static CSVParser open(Path file, ImportOptions options) throws IOException {
        return open(new BufferedInputStream(Files.newInputStream(file), 1 << 16), options);
    }

    /** A blank line: commons-csv reads it as one empty field. */
    static boolean blank(CSVRecord record) {
        return record.size() == 1 && record.get(0).isEmpty();
    }
}
