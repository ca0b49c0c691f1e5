package io.activation.channels.print;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the print spool as batch directories for the print house.
 *
 * <p>Exactly once per letter: a batch is claimed (its letters get its id, status {@code writing}) and committed
 * before any file is written; its files go to a hidden {@code .<name>.tmp} directory that is renamed to
 * {@code <name>} in one atomic move; then the batch is marked {@code written}. A crash before the rename leaves the
 * batch {@code writing}: the next run deletes the partial temporary directory and writes the same letters again
 * under the same name. A crash after the rename finds the directory in place and only marks the batch. A letter
 * is therefore in one batch directory, once. One node writes at a time (a PostgreSQL advisory lock held for the
 * run; a crashed node's lock goes with its connection).
 */
public final class PrintBatchWriter {

    /** Points where tests make the job crash. */
    interface CrashPoints {
        CrashPoints NONE = new CrashPoints() {};

        /** After the n-th letter's PDF was written to the temporary directory. */
        default void afterLetter(int n) {}

        /** After the batch directory was renamed into place, before the batch is marked written. */
        default void beforeMark(String batch) {}
    }

    public static final String RECIPIENTS_CSV = "recipients.csv";
    public static final String MANIFEST = "manifest.json";
    public static final String LETTERS = "letters";

    private static final Logger log = LoggerFactory.getLogger(PrintBatchWriter.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate lockTransaction;
    private final TransactionTemplate stepTransaction;
    private final PrintChannelProperties properties;
    private final Clock clock;
    private final LetterPdf pdf = new LetterPdf();
    private volatile CrashPoints crashPoints = CrashPoints.NONE;

    public PrintBatchWriter(JdbcTemplate jdbc, PlatformTransactionManager transactions,
            PrintChannelProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.lockTransaction = new TransactionTemplate(transactions);
        this.stepTransaction = new TransactionTemplate(transactions);
        this.stepTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.properties = properties;
        this.clock = clock;
    }

    void crashPoints(CrashPoints points) {
        this.crashPoints = points == null ? CrashPoints.NONE : points;
    }

    /**
     * Finishes a batch a crash left unwritten, then writes every spooled letter in new batches. Answers the names
     * of the batch directories written; empty when another node holds the lock or nothing was spooled.
     */
    public List<String> writePending() {
        return lockTransaction.execute(status -> {
            Boolean locked = jdbc.queryForObject("select pg_try_advisory_xact_lock(hashtext(?))", Boolean.class,
                    "activation:print-batches");
            if (!Boolean.TRUE.equals(locked)) {
                return List.of();
            }
            List<String> written = new ArrayList<>();
            for (Batch unfinished : jdbc.query("select id, name from print_batches where status = 'writing'"
                    + " order by id", (rs, n) -> new Batch(rs.getLong(1), rs.getString(2)))) {
                finish(unfinished);
                written.add(unfinished.name());
            }
            Batch next;
            while ((next = claim()) != null) {
                finish(next);
                written.add(next.name());
            }
            return written;
        });
    }

    private record Batch(long id, String name) {}

    private record Letter(long id, String messageKey, long contactId, String name, Map<String, String> address,
            String html) {}

    /** Claims up to the batch size of unbatched letters for a new batch, committed; null when none is spooled. */
    private Batch claim() {
        return stepTransaction.execute(status -> {
            Instant now = clock.instant();
            long id = jdbc.queryForObject("insert into print_batches (name, status, letters, created_at) values"
                    + " (?, 'writing', 0, ?) returning id", Long.class, "pending-" + now.toEpochMilli() + "-"
                    + System.nanoTime(), Timestamp.from(now));
            String name = "batch-" + NAME_TIME.format(now) + "-" + id;
            int letters = jdbc.update("""
                    update print_letters set batch_id = ?
                    where id in (select id from print_letters where batch_id is null order by id limit ?
                                 for update skip locked)""", id, properties.maxLettersPerBatch());
            if (letters == 0) {
                status.setRollbackOnly();
                return null;
            }
            jdbc.update("update print_batches set name = ?, letters = ? where id = ?", name, letters, id);
            return new Batch(id, name);
        });
    }

    private void finish(Batch batch) {
        Path root = properties.directory();
        Path target = root.resolve(batch.name());
        try {
            Files.createDirectories(root);
            if (Files.isDirectory(target)) {
                log.info("Print batch {} was written before a crash; marking it written", batch.name());
            } else {
                Path temporary = root.resolve("." + batch.name() + ".tmp");
                deleteRecursively(temporary);
                write(batch, temporary);
                try {
                    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException e) {
                    throw new IllegalStateException("print batch directory " + target + " appeared meanwhile", e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("print batch " + batch.name() + " could not be written to " + root, e);
        }
        crashPoints.beforeMark(batch.name());
        stepTransaction.executeWithoutResult(status -> jdbc.update(
                "update print_batches set status = 'written', written_at = ? where id = ?",
                Timestamp.from(clock.instant()), batch.id()));
    }

    private void write(Batch batch, Path directory) throws IOException {
        List<Letter> letters = jdbc.query("""
                select id, message_key, contact_id, recipient_name, address::text, letter
                from print_letters where batch_id = ? order by id""", (rs, n) -> new Letter(rs.getLong(1),
                rs.getString(2), rs.getLong(3), rs.getString(4), JSON.readValue(rs.getString(5),
                        new TypeReference<LinkedHashMap<String, String>>() {}), rs.getString(6)), batch.id());
        Path letterDirectory = directory.resolve(LETTERS);
        Files.createDirectories(letterDirectory);
        ArrayNode files = JSON.createArrayNode();
        ArrayNode failed = JSON.createArrayNode();
        List<String> header = new ArrayList<>(List.of("file", "message_key", "contact_id", "name"));
        header.addAll(properties.addressFields());
        Path csv = directory.resolve(RECIPIENTS_CSV);
        try (Writer out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8);
                CSVPrinter printer = new CSVPrinter(out, CSVFormat.RFC4180.builder()
                        .setHeader(header.toArray(String[]::new)).get())) {
            int n = 0;
            for (Letter letter : letters) {
                String file = LETTERS + "/" + String.format("%08d.pdf", letter.id());
                byte[] bytes;
                try {
                    bytes = pdf.render(letter.html());
                } catch (RuntimeException e) {
                    // The sender rendered it once already; should it fail now, the batch goes on without it
                    // (rendering is deterministic, so a rewrite after a crash leaves it out again).
                    log.error("Print letter {} ({}) cannot be rendered; left out of batch {}", letter.id(),
                            letter.messageKey(), batch.name(), e);
                    failed.add(letter.messageKey());
                    continue;
                }
                writeDurably(directory.resolve(file), bytes);
                files.add(fileEntry(file, bytes));
                List<String> row = new ArrayList<>(List.of(file, letter.messageKey(),
                        Long.toString(letter.contactId()), letter.name() == null ? "" : letter.name()));
                for (String field : properties.addressFields()) {
                    row.add(letter.address().getOrDefault(field, ""));
                }
                printer.printRecord(row);
                crashPoints.afterLetter(++n);
            }
        }
        force(csv);
        files.insert(0, fileEntry(RECIPIENTS_CSV, Files.readAllBytes(csv)));
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("batch", batch.name());
        manifest.put("createdAt", clock.instant().toString());
        manifest.put("letters", letters.size() - failed.size());
        manifest.set("files", files);
        if (!failed.isEmpty()) {
            manifest.set("failed", failed);
        }
        writeDurably(directory.resolve(MANIFEST), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(manifest));
    }

    private static ObjectNode fileEntry(String name, byte[] bytes) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("name", name);
        entry.put("bytes", bytes.length);
        entry.put("sha256", sha256(bytes));
        return entry;
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            out.write(bytes);
        }
        force(file);
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
