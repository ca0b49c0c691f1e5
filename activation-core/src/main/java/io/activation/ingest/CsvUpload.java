package io.activation.ingest;

import io.activation.platform.InvalidInputException;
import io.activation.platform.LimitExceededException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.springframework.util.unit.DataSize;

/**
 * Receives an uploaded CSV file: copies it to a spool file while checking, in the same single pass, that it is
 * text in its character set, that it is well-formed CSV with a header, and that it stays under the size limit; a
 * gzip-compressed upload (recognised by its magic bytes) is uncompressed on the way, and the limit applies to
 * the uncompressed text. Nothing is kept of a file that fails a check.
 */
final class CsvUpload {

    /** A checked file waiting in the spool directory. */
    record Received(Path file, long bytes, List<String> header, long records) {}

    private CsvUpload() {}

    static Received receive(InputStream upload, Path spoolDir, ImportOptions options, DataSize maxSize) {
        Path file;
        try {
            Files.createDirectories(spoolDir);
            file = Files.createTempFile(spoolDir, "import-", ".csv");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a spool file in " + spoolDir, e);
        }
        boolean kept = false;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
                Tee tee = new Tee(uncompressed(upload), out, maxSize);
                CSVParser parser = header(tee, options)) {
            List<String> header = parser.getHeaderNames();
            if (header.isEmpty() || header.stream().allMatch(String::isBlank)) {
                throw new InvalidInputException("file", "has no header: its first line must name the columns");
            }
            long records = 0;
            try {
                for (CSVRecord record : parser) {
                    if (!CsvFiles.blank(record)) {
                        records++;
                    }
                }
            } catch (UncheckedIOException e) {
                throw unreadable(e.getCause(), parser.getCurrentLineNumber() + 1);
            } catch (IllegalStateException e) {
                throw unreadable(e, parser.getCurrentLineNumber() + 1);
            }
            tee.drain();
            out.flush();
            kept = true;
            return new Received(file, tee.count, header, records);
        } catch (IOException e) {
            throw unreadable(e, 1);
        } finally {
            if (!kept) {
                delete(file);
            }
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A spool file left behind is removed with the temporary directory; nothing else depends on it.
        }
    }

    private static CSVParser header(InputStream in, ImportOptions options) throws IOException {
        try {
            return CsvFiles.open(in, options);
        } catch (IllegalArgumentException e) {
            // commons-csv refuses a header that names a column twice.
            throw new InvalidInputException("file", "has a header that cannot be used: " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw unreadable(e.getCause(), 1);
        }
    }

    private static InputStream uncompressed(InputStream upload) {
        BufferedInputStream in = new BufferedInputStream(upload, 1 << 16);
        try {
            in.mark(2);
            int b1 = in.read();
            int b2 = in.read();
            in.reset();
            if (b1 == 0x1f && b2 == 0x8b) {
                return new GZIPInputStream(in, 1 << 16);
            }
            return in;
        } catch (ZipException e) {
            throw new InvalidInputException("file", "looks gzip-compressed but cannot be uncompressed: "
                    + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RuntimeException unreadable(Throwable e, long line) {
        if (e instanceof StrictReader.MalformedText malformed) {
            return new InvalidInputException("file", malformed.getMessage());
        }
        if (e instanceof ZipException) {
            return new InvalidInputException("file", "looks gzip-compressed but cannot be uncompressed: "
                    + e.getMessage());
        }
        if (e instanceof java.io.EOFException) {
            return new InvalidInputException("file", "ends in the middle of its gzip compression: the upload is"
                    + " incomplete");
        }
        if (e instanceof CSVException || e instanceof IllegalStateException) {
            String message = String.valueOf(e.getMessage());
            if (!message.toLowerCase(java.util.Locale.ROOT).contains("line")) {
                message = message + " (near line " + line + ")";
            }
            return new InvalidInputException("file", "is not valid CSV: " + message);
        }
        // The disk or the upload's connection failed: not the file's fault.
        return e instanceof IOException io ? new UncheckedIOException(io)
                : new UncheckedIOException(new IOException(String.valueOf(e), e));
    }

    static String shown(DataSize size) {
        long bytes = size.toBytes();
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GB";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MB";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KB";
        }
        return bytes + " bytes";
    }

    /** Copies what is read to the spool file, counting bytes against the limit. */
    private static final class Tee extends FilterInputStream {
        private final OutputStream out;
        private final long max;
        private final DataSize maxSize;
        private long count;

        Tee(InputStream in, OutputStream out, DataSize maxSize) {
            super(in);
            this.out = out;
            this.max = maxSize.toBytes();
            this.maxSize = maxSize;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            int n = super.read(buffer, off, len);
            if (n > 0) {
                count += n;
                if (count > max) {
                    throw new LimitExceededException("file", max, "The file is larger than " + shown(maxSize)
                            + " (uncompressed); see activation.imports.max-file-size");
                }
                out.write(buffer, off, n);
            }
            return n;
        }

        /** Reads what the parser left (nothing, normally), so the spool file is the whole upload. */
        void drain() throws IOException {
            byte[] buffer = new byte[1 << 16];
            while (read(buffer, 0, buffer.length) >= 0) {
                // copied by read
            }
        }
    }
}
