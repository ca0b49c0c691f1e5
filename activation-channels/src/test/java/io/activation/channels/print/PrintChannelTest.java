package io.activation.channels.print;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.channels.MutableTestClock;
import io.activation.channels.TestDatabase;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.Recipient;
import io.activation.delivery.spi.SendResult;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The print sender's spool and the batch job, on a real PostgreSQL and a temporary directory. */
class PrintChannelTest {

    private final JdbcTemplate jdbc = TestDatabase.jdbc();
    private final MutableTestClock clock = new MutableTestClock(Instant.parse("2026-11-22T06:00:00Z"));
    private long contact;
    private PrintChannelProperties properties;
    private PrintSender sender;
    private PrintBatchWriter writer;

    @TempDir
    Path directory;

    @BeforeEach
    void setUp() {
        jdbc.update("delete from print_letters");
        jdbc.update("delete from print_batches");
        contact = TestDatabase.newContact();
        properties(5000);
    }

    private void properties(int maxPerBatch) {
        properties = new PrintChannelProperties(directory, "0 0 6 * * *",
                List.of("address_line1", "address_line2", "postal_code", "city", "country"),
                List.of("address_line1", "city", "country"), maxPerBatch);
        sender = new PrintSender(jdbc, properties, clock);
        writer = new PrintBatchWriter(jdbc, new DataSourceTransactionManager(TestDatabase.dataSource()), properties,
                clock);
    }

    private OutboundMessage letter(String key, String name, Map<String, String> address, String html) {
        return new OutboundMessage(key, 1, contact, "print", new Recipient("postal", name, address),
                new Content(Map.of(Content.LETTER, html), Map.of()), 1, clock.instant(), Map.of());
    }

    private static Map<String, String> address(String line1) {
        return Map.of("address_line1", line1, "postal_code", "1012 AB", "city", "Amsterdam", "country", "NL");
    }

    private void spool(int count) {
        for (int i = 1; i <= count; i++) {
            assertThat(sender.send(letter("req-" + i + ":print", "Reader " + i, address("Dam " + i),
                    "<p>Dear reader " + i + ", your code is <b>CODE" + i + "</b>.")))
                    .isInstanceOf(SendResult.Accepted.class);
        }
    }

    @Test
    void sendSpoolsEachMessageKeyOnceAndRejectsLettersWithoutAnAddress() {
        SendResult first = sender.send(letter("k1:print", "Ada", address("Dam 1"), "<p>Hi</p>"));
        SendResult again = sender.send(letter("k1:print", "Ada", address("Dam 1"), "<p>Hi</p>"));
        assertThat(first).isInstanceOf(SendResult.Accepted.class).isEqualTo(again);
        assertThat(jdbc.queryForObject("select count(*) from print_letters where message_key = 'k1:print'",
                Integer.class)).isEqualTo(1);

        SendResult noCity = sender.send(letter("k2:print", "Bob", Map.of("address_line1", "Dam 2",
                "country", "NL", "city", " "), "<p>Hi</p>"));
        assertThat(noCity).isEqualTo(new SendResult.Rejected("no postal address: missing city",
                SendResult.Failure.INVALID_ADDRESS));
        assertThat(sender.send(letter("k3:print", "Cy", address("Dam 3"), "")))
                .isInstanceOf(SendResult.Rejected.class);
        assertThat(jdbc.queryForObject("select count(*) from print_letters", Integer.class)).isEqualTo(1);
    }

    @Test
    void aBatchHasTheRecipientsCsvOnePdfPerLetterAndAManifestWithTheirHashes() throws IOException {
        sender.send(letter("q:print", "O'Brien, \"Ann\" Zoë", address("Rue de l'Église 3\nBâtiment B"),
                "<html><body><h1>Bonjour Zoë</h1><p>Unclosed paragraph<img src=\"file:///etc/passwd\">"
                        + "<img src=\"http://127.0.0.1:1/x.png\"></body></html>"));
        spool(2);

        List<String> written = writer.writePending();

        assertThat(written).hasSize(1);
        Path batch = directory.resolve(written.get(0));
        assertThat(written.get(0)).startsWith("batch-20261122T060000Z-");
        assertThat(listNames(directory)).containsExactly(written.get(0));
        List<CSVRecord> rows = csv(batch);
        assertThat(rows).hasSize(3);
        CSVRecord first = rows.get(0);
        assertThat(first.get("name")).isEqualTo("O'Brien, \"Ann\" Zoë");
        assertThat(first.get("address_line1")).isEqualTo("Rue de l'Église 3\nBâtiment B");
        assertThat(first.get("city")).isEqualTo("Amsterdam");
        assertThat(first.get("message_key")).isEqualTo("q:print");
        // RFC 4180 on the wire: CRLF records, fields with comma/quote/line break quoted, quotes doubled.
        String raw = Files.readString(batch.resolve("recipients.csv"), StandardCharsets.UTF_8);
        assertThat(raw).startsWith("file,message_key,contact_id,name,address_line1,address_line2,postal_code,city,"
                + "country\r\n").contains("\"O'Brien, \"\"Ann\"\" Zoë\"");
        for (CSVRecord row : rows) {
            Path pdf = batch.resolve(row.get("file"));
            assertThat(Files.readAllBytes(pdf)).startsWith("%PDF".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(text(batch.resolve(rows.get(0).get("file")))).contains("Bonjour Zoë", "Unclosed paragraph");
        assertThat(text(batch.resolve(rows.get(2).get("file")))).contains("CODE2");

        JsonNode manifest = JsonMapper.builder().build().readTree(batch.resolve("manifest.json").toFile());
        assertThat(manifest.get("letters").asInt()).isEqualTo(3);
        assertThat(manifest.get("files")).hasSize(4);
        for (JsonNode f : manifest.get("files")) {
            byte[] bytes = Files.readAllBytes(batch.resolve(f.get("name").asString()));
            assertThat(f.get("sha256").asString()).isEqualTo(PrintBatchWriter.sha256(bytes));
            assertThat(f.get("bytes").asLong()).isEqualTo(bytes.length);
        }
        assertThat(jdbc.queryForObject("select status from print_batches", String.class)).isEqualTo("written");

        assertThat(writer.writePending()).as("nothing new spooled").isEmpty();
        spool(1); // same key as before: not spooled again
        assertThat(writer.writePending()).isEmpty();
    }

    @Test
    void aCrashMidBatchResumesTheSameBatchAndEveryLetterIsWrittenExactlyOnce() throws IOException {
        spool(4);
        writer.crashPoints(new PrintBatchWriter.CrashPoints() {
            @Override
            public void afterLetter(int n) {
                if (n == 2) {
                    throw new IllegalStateException("simulated crash after the second PDF");
                }
            }
        });
        assertThatThrownBy(writer::writePending).hasMessageContaining("simulated crash");
        assertThat(listNames(directory)).singleElement().satisfies(n -> assertThat(n).startsWith(".batch-")
                .endsWith(".tmp"));
        assertThat(jdbc.queryForObject("select status from print_batches", String.class)).isEqualTo("writing");
        spool(6); // letters 5 and 6 arrive while the job is down

        writer.crashPoints(null);
        clock.advance(Duration.ofHours(1));
        List<String> written = writer.writePending();

        assertThat(written).hasSize(2);
        assertThat(listNames(directory)).containsExactlyInAnyOrderElementsOf(written);
        assertThat(keysIn(directory.resolve(written.get(0))))
                .containsExactly("req-1:print", "req-2:print", "req-3:print", "req-4:print");
        assertThat(keysIn(directory.resolve(written.get(1)))).containsExactly("req-5:print", "req-6:print");
        assertThat(jdbc.queryForList("select status from print_batches order by id", String.class))
                .containsExactly("written", "written");
    }

    @Test
    void aCrashAfterTheRenameOnlyMarksTheBatchOnTheNextRun() throws IOException {
        spool(2);
        writer.crashPoints(new PrintBatchWriter.CrashPoints() {
            @Override
            public void beforeMark(String batch) {
                throw new IllegalStateException("simulated crash before the mark");
            }
        });
        assertThatThrownBy(writer::writePending).hasMessageContaining("simulated crash");
        String name = listNames(directory).get(0);
        byte[] manifest = Files.readAllBytes(directory.resolve(name).resolve("manifest.json"));
        writer.crashPoints(null);
        clock.advance(Duration.ofMinutes(5));

        assertThat(writer.writePending()).containsExactly(name);

        assertThat(listNames(directory)).containsExactly(name);
        assertThat(Files.readAllBytes(directory.resolve(name).resolve("manifest.json")))
                .as("not rewritten").isEqualTo(manifest);
        assertThat(keysIn(directory.resolve(name))).containsExactly("req-1:print", "req-2:print");
        assertThat(jdbc.queryForObject("select status from print_batches", String.class)).isEqualTo("written");
    }

    @Test
    void batchesHoldAtMostTheConfiguredNumberOfLetters() throws IOException {
        properties(2);
        spool(5);
        List<String> written = writer.writePending();
        assertThat(written).hasSize(3);
        Map<String, Integer> seen = new HashMap<>();
        for (String b : written) {
            keysIn(directory.resolve(b)).forEach(k -> seen.merge(k, 1, Integer::sum));
        }
        assertThat(seen).hasSize(5).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void aLetterCannotMakeTheServerFetchAnything() throws IOException {
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            sender.send(letter("ssrf:print", "Eve", address("Dam 9"), "<html><head><link rel=\"stylesheet\" href=\""
                    + base + "/style.css\"><style>@import url('" + base + "/import.css');</style></head><body>"
                    + "<img src=\"" + base + "/pixel.png\"><p style=\"background:url(" + base + "/bg.png)\">Hi</p>"
                    + "<img src=\"file:///etc/hostname\"></body></html>"));
            List<String> written = writer.writePending();
            assertThat(written).hasSize(1);
            assertThat(text(directory.resolve(written.get(0)).resolve(csv(directory.resolve(written.get(0))).get(0)
                    .get("file")))).contains("Hi");
            assertThat(requests.get()).as("requests the renderer made").isZero();
        } finally {
            server.stop(0);
        }
    }

    private static List<String> listNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<CSVRecord> csv(Path batch) throws IOException {
        try (Reader r = Files.newBufferedReader(batch.resolve("recipients.csv"), StandardCharsets.UTF_8);
                CSVParser p = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
            return p.getRecords();
        }
    }

    private static List<String> keysIn(Path batch) throws IOException {
        List<String> keys = new ArrayList<>();
        for (CSVRecord row : csv(batch)) {
            assertThat(batch.resolve(row.get("file"))).exists();
            keys.add(row.get("message_key"));
        }
        try (Stream<Path> pdfs = Files.list(batch.resolve("letters"))) {
            assertThat(pdfs.count()).isEqualTo(keys.size());
        }
        return keys;
    }

    private static String text(Path pdf) throws IOException {
        try (PDDocument doc = Loader.loadPDF(pdf.toFile())) {
            return new PDFTextStripper().getText(doc);
        }
    }
}
