package io.activation.api.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import tools.jackson.databind.JsonNode;

class ImportApiTest extends ApiTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Test
    void ordersOfARealShopExportLandWithTheirTimeCancellationAndContact() {
        String orders = defineOrders();
        JsonNode accepted = importCsv(orders, resource("demo/online-retail-sample.csv"),
                resourceText("demo/mappings/orders.json"));
        assertThat(accepted.get("status").stringValue()).isIn("QUEUED", "RUNNING", "SUCCEEDED");
        JsonNode done = awaitFinished(accepted);
        assertThat(done.get("status").stringValue()).isEqualTo("SUCCEEDED");
        JsonNode counters = done.get("counters");
        assertThat(counters.get("linesRead").longValue()).isEqualTo(3000);
        // 241 invoices of 40 customers; one invoice's lines carry two different minutes, so it is updated once.
        assertThat(counters.get("rowsCreated").longValue()).isEqualTo(241);
        assertThat(counters.get("rowsCreated").longValue() + counters.get("rowsUpdated").longValue()
                + counters.get("rowsUnchanged").longValue()).isEqualTo(3000);
        assertThat(counters.get("rowsRejected").longValue()).isZero();
        assertThat(done.at("/progress/percent").doubleValue()).isEqualTo(100.0);
        assertThat(done.get("errors")).isEmpty();

        JsonNode order = get("/api/v1/tables/" + orders + "/rows/536365").expect(200).json();
        assertThat(order.at("/values/ordered_at").stringValue()).isEqualTo("2010-12-01T08:26:00Z");
        assertThat(order.at("/values/cancelled").booleanValue()).isFalse();
        assertThat(order.at("/values/country").stringValue()).isEqualTo("United Kingdom");
        JsonNode contact = get("/api/v1/contacts/17850").expect(200).json();
        assertThat(order.get("contactId").longValue()).isEqualTo(contact.get("id").longValue());
        JsonNode cancellation = get("/api/v1/tables/" + orders + "/rows/C536379").expect(200).json();
        assertThat(cancellation.at("/values/cancelled").booleanValue()).isTrue();

        // The same file again creates nothing: rows are upserted by business key. Only the invoice whose lines
        // carry two different minutes moves to its first time and back to its last.
        JsonNode again = awaitFinished(importCsv(orders, resource("demo/online-retail-sample.csv"),
                resourceText("demo/mappings/orders.json")));
        assertThat(again.at("/counters/rowsCreated").longValue()).isZero();
        assertThat(again.at("/counters/rowsUpdated").longValue()).isEqualTo(2);
        assertThat(again.at("/counters/rowsUnchanged").longValue()).isEqualTo(2998);
    }

    @Test
    void contactsComeWithTransformsTemplatesConstantsAndCountedWarnings() {
        long base = ThreadLocalRandom.current().nextLong(1_000_000_000L, 9_000_000_000L);
        String csv = "CustomerID,Email,Country,Phone,Name\n"
                + base + ".0, ANN@Example.COM ,Belgium,0470 12 34 56,Ann\n"
                + (base + 1) + ".0,,Atlantis,,Bo\n"
                + (base + 2) + ".0,,Atlantis,,Cy\n";
        JsonNode done = awaitFinished(importCsv("contacts", utf8(csv), """
                {"attributes": {
                   "external_id": {"column": "CustomerID", "transform": "integer"},
                   "email": {"column": "Email", "transform": "lower"},
                   "country": {"column": "Country", "transform": "country-name"},
                   "phone": "Phone",
                   "first_name": "Name",
                   "last_name": {"template": "Customer {CustomerID|integer}"},
                   "locale": {"value": "en-GB"}}}
                """));
        assertThat(done.get("status").stringValue()).isEqualTo("SUCCEEDED");
        assertThat(done.at("/counters/rowsCreated").longValue()).isEqualTo(3);
        assertThat(done.at("/counters/warnings").longValue()).isEqualTo(2);
        JsonNode warning = done.get("warnings").get(0);
        assertThat(warning.get("field").stringValue()).isEqualTo("country");
        assertThat(warning.get("column").stringValue()).isEqualTo("Country");
        assertThat(warning.get("message").stringValue()).contains("'Atlantis' is not a country name");
        assertThat(warning.get("count").longValue()).isEqualTo(2);
        assertThat(warning.get("firstLine").longValue()).isEqualTo(3);

        JsonNode ann = get("/api/v1/contacts/" + base).expect(200).json();
        assertThat(ann.get("email").stringValue()).isEqualTo("ann@example.com");
        assertThat(ann.get("country").stringValue()).isEqualTo("BE");
        assertThat(ann.get("phone").stringValue()).as("read in the contact's country").isEqualTo("+32470123456");
        assertThat(ann.get("lastName").stringValue()).isEqualTo("Customer " + base);
        assertThat(ann.get("locale").stringValue()).isEqualTo("en-GB");
        JsonNode bo = get("/api/v1/contacts/" + (base + 1)).expect(200).json();
        assertThat(bo.get("country").isNull()).isTrue();
        assertThat(bo.get("email").isNull()).isTrue();
    }

    @Test
    void aBadLineIsReportedWithItsLineNumberAndTheOthersAreImported() {
        String table = unique("lines");
        defineTable("""
                {"name": "%s", "kind": "INTERACTION", "businessKey": "order_no", "attributes": [
                  {"name": "order_no", "type": "TEXT"}, {"name": "quantity", "type": "INTEGER"},
                  {"name": "note", "type": "TEXT"}]}
                """.formatted(table));
        String customer = unique("c");
        String csv = "OrderNo,Customer,Qty,Note\n"              // line 1
                + "A1," + customer + ",3,plain\n"               // 2: imported
                + "A2," + customer + ",abc,plain\n"             // 3: quantity is no number
                + "A3,,2,\"a note\non two lines\"\n"           // 4-5: no contact
                + "A4," + customer + ",1\n"                     // 6: a field short
                + "A5," + customer + ",5,\"x, y\"\n"            // 7: imported
                + ",\"" + customer + "\",1,no key\n";           // 8: no business key
        JsonNode done = awaitFinished(importCsv(table, utf8(csv), """
                {"attributes": {"order_no": "OrderNo", "quantity": "Qty", "note": "Note"},
                 "contact": "Customer"}
                """));
        assertThat(done.get("status").stringValue()).isEqualTo("SUCCEEDED");
        assertThat(done.at("/counters/linesRead").longValue()).isEqualTo(6);
        assertThat(done.at("/counters/rowsCreated").longValue()).isEqualTo(2);
        assertThat(done.at("/counters/rowsRejected").longValue()).isEqualTo(4);
        List<String> errors = new ArrayList<>();
        done.get("errors").forEach(e -> errors.add(e.get("line").longValue() + " " + e.get("field").stringValue()
                + " " + e.get("column").asString("") + ": " + e.get("message").stringValue()));
        assertThat(errors).containsExactly(
                "3 quantity Qty: must be an integer number, not 'abc'",
                "4 contact Customer: is empty: every row of '" + table + "' needs its contact (set"
                        + " options.skipRowsWithoutContact to skip such lines)",
                "6 line : has 3 fields where the header has 4",
                "8 order_no OrderNo: is empty: it is the business key of '" + table + "'");
        assertThat(get("/api/v1/tables/" + table + "/rows/A5").expect(200).json().at("/values/note").stringValue())
                .isEqualTo("x, y");
        get("/api/v1/tables/" + table + "/rows/A2").expect(404);
    }

    @Test
    void quotedFieldsWithCommasAndLineBreaksAndAByteOrderMarkAreRead() {
        String table = unique("notes");
        defineTable("""
                {"name": "%s", "kind": "REFERENCE", "businessKey": "code", "attributes": [
                  {"name": "code", "type": "TEXT"}, {"name": "text", "type": "TEXT"}]}
                """.formatted(table));
        String csv = "\uFEFFCode,Text\r\n"
                + "a,\"one, two\"\r\n"
                + "b,\"first line\r\nsecond line with \"\"quotes\"\"\"\r\n"
                + "c,  padded  \r\n";
        JsonNode done = awaitFinished(importCsv(table, utf8(csv), """
                {"attributes": {"code": {"template": "{Code}@{$line}"},
                                "text": {"column": "Text", "trim": false}}}
                """));
        assertThat(done.get("status").stringValue()).isEqualTo("SUCCEEDED");
        assertThat(done.at("/counters/rowsCreated").longValue()).isEqualTo(3);
        String base = "/api/v1/tables/" + table + "/rows/";
        assertThat(get(base + "a@2").expect(200).json().at("/values/text").stringValue()).isEqualTo("one, two");
        assertThat(get(base + "b@3").expect(200).json().at("/values/text").stringValue())
                .isEqualTo("first line\r\nsecond line with \"quotes\"");
        // The record of line 3 spans two lines, so the next one starts on line 5.
        assertThat(get(base + "c@5").expect(200).json().at("/values/text").stringValue()).isEqualTo("  padded  ");
    }

    @Test
    void guestLinesAreSkippedWhenAskedAndRepeatedLinesLeaveTheirRowUnchanged() {
        String table = unique("visits");
        defineTable("""
                {"name": "%s", "kind": "INTERACTION", "businessKey": "visit", "attributes": [
                  {"name": "visit", "type": "TEXT"}, {"name": "page", "type": "TEXT"}]}
                """.formatted(table));
        String customer = unique("c");
        String csv = "Visit,Customer,Page\nv1," + customer + ",home\nv1," + customer + ",home\nv2,,cart\n"
                + "v1," + customer + ",checkout\n";
        JsonNode done = awaitFinished(importCsv(table, utf8(csv), """
                {"attributes": {"visit": "Visit", "page": "Page"}, "contact": "Customer",
                 "options": {"skipRowsWithoutContact": true}}
                """));
        JsonNode counters = done.get("counters");
        assertThat(counters.get("rowsCreated").longValue()).isEqualTo(1);
        assertThat(counters.get("rowsUnchanged").longValue()).isEqualTo(1);
        assertThat(counters.get("rowsSkipped").longValue()).isEqualTo(1);
        assertThat(counters.get("rowsUpdated").longValue()).isEqualTo(1);
        assertThat(counters.get("rowsWritten").longValue()).isEqualTo(2);
        assertThat(get("/api/v1/tables/" + table + "/rows/v1").expect(200).json().at("/values/page").stringValue())
                .isEqualTo("checkout");
    }

    @Test
    void aMappingThatDoesNotFitIsRefusedNamingTheFieldAndNothingIsImported() {
        String orders = defineOrders();
        JsonNode problem = upload(orders, resource("demo/online-retail-sample.csv"), """
                {"attributes": {"order_no": "InvoiceNo", "shoe_size": "Size",
                                "ordered_at": {"column": "InvoiceDate", "transform": "datetime:yyyy-MM-dd HH:mm:ss"}},
                 "contact": {"column": "Customer", "transform": "integer"}}
                """, ADMIN_KEY).expect(422).json();
        assertThat(problem.get("type").stringValue()).endsWith("/invalid-input");
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactly("mapping.attributes.shoe_size");

        problem = upload(orders, resource("demo/online-retail-sample.csv"), """
                {"attributes": {"order_no": "InvoiceNo",
                                "ordered_at": {"column": "InvoiceDate", "transform": "datetime:yyyy-MM-dd HH:mm:ss"}},
                 "contact": {"column": "Customer", "transform": "integer"}}
                """, ADMIN_KEY).expect(422).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("mapping.contact.column");
        assertThat(problem.get("detail").stringValue()).contains("the file has no column 'Customer'");

        problem = upload(orders, resource("demo/online-retail-sample.csv"), "{\"attributes\": ", ADMIN_KEY)
                .expect(422).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("mapping");
        assertThat(problem.get("detail").stringValue()).contains("not valid JSON");

        assertThat(get("/api/v1/imports?table=" + orders).expect(200).json().get("items")).isEmpty();
        assertThat(get("/api/v1/tables/" + orders + "/rows").expect(200).json().get("items")).isEmpty();
    }

    @Test
    void anUnknownTableIsNotFoundAndMissingPartsAreNamed() {
        JsonNode problem = upload("no_such_table_here", utf8("Id\n1\n"), "{\"attributes\": {\"id\": \"Id\"}}",
                ADMIN_KEY).expect(404).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("table");

        problem = sendBytes("POST", "/api/v1/imports", multipart(Map.of("other", utf8("x"))), ADMIN_KEY,
                Map.of("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)).expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactly("table", "file", "mapping");
    }

    @Test
    void aFileThatIsNotUtf8IsRefusedWithTheLineAndNothingIsImported() {
        String table = unique("names");
        defineTable("""
                {"name": "%s", "kind": "REFERENCE", "businessKey": "name", "attributes": [
                  {"name": "name", "type": "TEXT"}]}
                """.formatted(table));
        byte[] latin1 = "Name\nAnn\nZo\u00eb\nBo\n".getBytes(StandardCharsets.ISO_8859_1);
        JsonNode problem = upload(table, latin1, "{\"attributes\": {\"name\": \"Name\"}}", ADMIN_KEY)
                .expect(422).json();
        assertThat(problem.get("field").stringValue()).isEqualTo("file");
        assertThat(problem.get("detail").stringValue()).contains("is not valid UTF-8 text: line 3 has the byte EB");
        assertThat(get("/api/v1/tables/" + table + "/rows").expect(200).json().get("items")).isEmpty();

        // Told its encoding, the same file imports.
        JsonNode done = awaitFinished(importCsv(table, latin1,
                "{\"attributes\": {\"name\": \"Name\"}, \"options\": {\"encoding\": \"ISO-8859-1\"}}"));
        assertThat(done.at("/counters/rowsCreated").longValue()).isEqualTo(3);
        get("/api/v1/tables/" + table + "/rows/Zo\u00eb").expect(200);
    }

    @Test
    void progressIsReadableUntilTheImportSucceedsAndTheListShowsIt() throws IOException {
        String table = unique("codes");
        defineTable("""
                {"name": "%s", "kind": "REFERENCE", "businessKey": "code", "attributes": [
                  {"name": "code", "type": "INTEGER"}, {"name": "label", "type": "TEXT"}]}
                """.formatted(table));
        int records = 12_000;
        StringBuilder csv = new StringBuilder("Code,Label\n");
        for (int i = 1; i <= records; i++) {
            csv.append(i).append(",label ").append(i).append('\n');
        }
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(zipped)) {
            out.write(utf8(csv.toString()));
        }
        JsonNode accepted = importCsv(table, zipped.toByteArray(),
                "{\"attributes\": {\"code\": \"Code\", \"label\": \"Label\"}}");
        assertThat(accepted.at("/progress/records").longValue()).isEqualTo(records);
        assertThat(accepted.get("sizeBytes").longValue()).isEqualTo(csv.length());
        List<Long> seen = new ArrayList<>();
        JsonNode done = awaitFinished(accepted, snapshot -> seen.add(snapshot.at("/counters/linesRead").longValue()));
        assertThat(seen).isSorted();
        assertThat(done.get("status").stringValue()).isEqualTo("SUCCEEDED");
        assertThat(done.at("/progress/linesRead").longValue()).isEqualTo(records);
        assertThat(done.at("/counters/rowsCreated").longValue()).isEqualTo(records);
        assertThat(done.get("startedAt").isNull()).isFalse();
        assertThat(done.get("finishedAt").isNull()).isFalse();
        assertThat(get("/api/v1/tables/" + table + "/rows/12000").expect(200).json().at("/values/label")
                .stringValue()).isEqualTo("label 12000");

        JsonNode list = get("/api/v1/imports?table=" + table).expect(200).json();
        assertThat(list.get("items")).hasSize(1);
        assertThat(list.get("items").get(0).get("id").stringValue()).isEqualTo(accepted.get("id").stringValue());
        get("/api/v1/imports/" + UUID.randomUUID()).expect(404);
    }

    @Test
    void aReadKeyMayWatchImportsButNotStartOne() {
        String secret = post("/api/v1/api-keys", "{\"name\": \"" + unique("reader") + "\", \"scopes\": [\"read\"]}")
                .expect(201).json().get("secret").stringValue();
        String table = unique("codes");
        defineTable("""
                {"name": "%s", "kind": "REFERENCE", "businessKey": "code", "attributes": [
                  {"name": "code", "type": "TEXT"}]}
                """.formatted(table));
        upload(table, utf8("Code\nx\n"), "{\"attributes\": {\"code\": \"Code\"}}", secret).expect(403);
        JsonNode done = awaitFinished(importCsv(table, utf8("Code\nx\n"), "{\"attributes\": {\"code\": \"Code\"}}"));
        send("GET", "/api/v1/imports/" + done.get("id").stringValue(), null, secret, Map.of()).expect(200);
    }

    @Test
    void changeEventsArePublishedUnlessTheImportSaysOtherwise() {
        String table = unique("buys");
        defineTable("""
                {"name": "%s", "kind": "INTERACTION", "businessKey": "buy", "attributes": [
                  {"name": "buy", "type": "TEXT"}]}
                """.formatted(table));
        String customer = unique("c");
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            awaitFinished(importCsv(table, utf8("Buy,Customer\nsilent-1," + customer + "\n"),
                    "{\"attributes\": {\"buy\": \"Buy\"}, \"contact\": \"Customer\", \"options\": {\"events\": false}}"));
            JsonNode loud = awaitFinished(importCsv(table, utf8("Buy,Customer\nloud-1," + customer + "\n"),
                    "{\"attributes\": {\"buy\": \"Buy\"}, \"contact\": \"Customer\"}"));
            assertThat(loud.at("/counters/rowsCreated").longValue()).isEqualTo(1);
            // Both rows belong to one contact, so their events would share a partition, in write order: when the
            // second import's event arrives, the first one's would have arrived before it.
            List<ConsumerRecord<String, String>> records = consumeUntil(consumer, seen -> seen.stream()
                    .anyMatch(r -> r.value().contains("\"loud-1\"")), DEADLINE);
            List<JsonNode> rowEvents = records.stream().map(ApiTest::value)
                    .filter(e -> table.equals(e.at("/data/table").asString(""))).toList();
            assertThat(rowEvents).hasSize(1);
            assertThat(rowEvents.get(0).get("type").stringValue()).isEqualTo("io.activation.row.created");
            assertThat(rowEvents.get(0).get("source").stringValue()).isEqualTo("/activation/import");
            assertThat(rowEvents.get(0).at("/data/key").stringValue()).isEqualTo("loud-1");
            get("/api/v1/tables/" + table + "/rows/silent-1").expect(200);
        }
    }

    // --- helpers

    private static final String BOUNDARY = "----activation-test-boundary-7MA4YWxk";

    private String defineOrders() {
        return defineTable("""
                {"name": "%s", "kind": "INTERACTION", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "ordered_at", "type": "TIMESTAMP"},
                   {"name": "cancelled", "type": "BOOLEAN"}, {"name": "country", "type": "TEXT"}]}
                """.formatted(unique("orders")));
    }

    /** Starts an import and returns the 202 answer. */
    private JsonNode importCsv(String table, byte[] csv, String mapping) {
        Response response = upload(table, csv, mapping, ADMIN_KEY).expect(202);
        JsonNode body = response.json();
        assertThat(response.header("Location")).isEqualTo("/api/v1/imports/" + body.get("id").stringValue());
        return body;
    }

    private Response upload(String table, byte[] csv, String mapping, String apiKey) {
        Map<String, byte[]> parts = new java.util.LinkedHashMap<>();
        parts.put("file", csv);
        parts.put("mapping", utf8(mapping));
        return sendBytes("POST", "/api/v1/imports?table=" + table, multipart(parts), apiKey,
                Map.of("Content-Type", "multipart/form-data; boundary=" + BOUNDARY));
    }

    private static byte[] multipart(Map<String, byte[]> parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        parts.forEach((name, content) -> {
            String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                    + (name.equals("file") ? "; filename=\"data.csv\"\r\nContent-Type: text/csv"
                            : "\r\nContent-Type: application/json")
                    + "\r\n\r\n";
            body.writeBytes(utf8(head));
            body.writeBytes(content);
            body.writeBytes(utf8("\r\n"));
        });
        body.writeBytes(utf8("--" + BOUNDARY + "--\r\n"));
        return body.toByteArray();
    }

    private JsonNode awaitFinished(JsonNode accepted) {
        return awaitFinished(accepted, snapshot -> {});
    }

    /** Polls the import until it has finished, showing each snapshot to {@code watcher}; fails after the deadline. */
    private JsonNode awaitFinished(JsonNode accepted, java.util.function.Consumer<JsonNode> watcher) {
        String path = "/api/v1/imports/" + accepted.get("id").stringValue();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            JsonNode snapshot = get(path).expect(200).json();
            watcher.accept(snapshot);
            String status = snapshot.get("status").stringValue();
            if (status.equals("SUCCEEDED") || status.equals("FAILED")) {
                return snapshot;
            }
            assertThat(System.nanoTime()).as("import %s still %s: %s", path, status, snapshot).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static byte[] resource(String path) {
        try (InputStream in = new ClassPathResource(path).getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resourceText(String path) {
        return new String(resource(path), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
