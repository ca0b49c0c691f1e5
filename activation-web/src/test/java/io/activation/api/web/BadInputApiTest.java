package io.activation.api.web;

import static io.activation.testing.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.activation.ingest.OutboxRelayPause;
import io.activation.testing.ApiTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Every class of bad input gets an RFC 9457 problem with a stable type that names the field, and changes nothing:
 * no contact, row or event appears and nothing is appended to the outbox. The outbox relay is held still during
 * each test, so the outbox count is exact.
 */
class BadInputApiTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ApplicationContext context;

    private OutboxRelayPause relayPaused;
    private String table;
    private String customer;
    private Map<String, Long> before;

    @BeforeEach
    void setUp() {
        table = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "order_id",
                 "attributes": [{"name": "order_id", "type": "text"}, {"name": "total", "type": "decimal"},
                                {"name": "note", "type": "text"}, {"name": "meta", "type": "json"}]}
                """.formatted(unique("orders")));
        customer = unique("c");
        put("/api/v1/contacts/" + customer, "{\"firstName\": \"Existing\"}").expect(201);
        relayPaused = OutboxRelayPause.pause(context);
        before = counts();
    }

    @AfterEach
    void nothingChangedAndRelayResumes() {
        try {
            assertThat(counts()).as("contacts, rows, events, outbox, identities, tables").isEqualTo(before);
            assertThat(get("/api/v1/contacts/" + customer).expect(200).json().get("firstName").stringValue())
                    .isEqualTo("Existing");
        } finally {
            relayPaused.close();
        }
    }

    @Test
    void theCheckOfNothingChangedSeesAWrite() {
        Map<String, Long> start = counts();
        post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + customer + "\"}}").expect(202);
        assertThat(counts()).isNotEqualTo(start);
        before = counts();
    }

    @Test
    void malformedJsonIsA400() {
        for (String body : List.of("{\"firstName\": \"x\"", "{firstName: 1}", "[1, 2", "{\"a\": 1,}", "nul",
                "{\"firstName\": \"x\"} {\"lastName\": \"y\"}", "{\"firstName\": 'x'}")) {
            assertProblem(put("/api/v1/contacts/" + unique("c"), body), 400, "malformed-json");
            assertProblem(post("/api/v1/events", body), 400, "malformed-json");
            assertProblem(post("/api/v1/tables/" + table + "/rows", body), 400, "malformed-json");
            assertProblem(post("/api/v1/tables", body), 400, "malformed-json");
            assertProblem(post("/api/v1/events/batch", body), 400, "malformed-json");
        }
        assertProblem(send("PUT", "/api/v1/contacts/" + unique("c"), "", ADMIN_KEY, Map.of()), 400,
                "malformed-json");
        assertProblem(send("POST", "/api/v1/events", "", ADMIN_KEY, Map.of()), 400, "malformed-json");
        assertProblem(post("/api/v1/events", "null"), 422, "invalid-input", "body");
    }

    @Test
    void wrongTypesNameTheField() {
        assertProblem(put("/api/v1/contacts/" + customer, "{\"firstName\": 12}"), 422, "invalid-input",
                "firstName");
        assertProblem(put("/api/v1/contacts/" + customer, "{\"birthDate\": \"1990-02-30\"}"), 422,
                "invalid-input", "birthDate");
        assertProblem(put("/api/v1/contacts/" + customer, "{\"attributes\": [1]}"), 422, "invalid-input",
                "attributes");
        assertProblem(put("/api/v1/contacts/" + customer, "[{\"firstName\": \"x\"}]"), 422, "invalid-input",
                "body");
        assertProblem(post("/api/v1/events", "{\"type\": 5, \"contact\": {\"externalId\": \"" + customer + "\"}}"),
                422, "invalid-input", "type");
        assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": \"" + customer + "\"}"), 422,
                "invalid-input", "contact");
        assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"id\": \"one\"}}"), 422,
                "invalid-input", "contact.id");
        assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": 7}}"), 422,
                "invalid-input", "contact.externalId");
        assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"id\": 999999999}}"), 404,
                "not-found", "contact.id");
        assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"id\": 999999999},"
                + " \"values\": {\"order_id\": \"o1\"}}"), 404, "not-found", "contact.id");
        assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + customer
                + "\"}, \"occurredAt\": 1700000000}"), 422, "invalid-input", "occurredAt");
        assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + customer
                + "\"}, \"occurredAt\": \"2999-01-01T00:00:00Z\"}"), 422, "invalid-input", "occurredAt");
        assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"externalId\": \"" + customer
                + "\"}, \"values\": [1]}"), 422, "invalid-input", "values");
        assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"externalId\": \"" + customer
                + "\"}, \"values\": {\"order_id\": \"o1\", \"total\": \"lots\"}}"), 422, "invalid-input",
                "values.total");
        assertProblem(put("/api/v1/tables/" + table + "/rows/o1", "{\"contact\": {\"externalId\": \"" + customer
                + "\"}, \"values\": {\"order_id\": \"o2\"}}"), 422, "invalid-input", "values.order_id");
        assertProblem(post("/api/v1/tables", "{\"name\": \"t\", \"kind\": \"reference\", \"attributes\": \"many\"}"),
                400, "invalid-input", "attributes");
        assertProblem(post("/api/v1/tables", "{\"name\": \"t\", \"kind\": \"reference\", \"businessKey\": \"a\","
                + " \"attributes\": [{\"name\": \"a\", \"type\": \"text\", \"required\": \"maybe\"}]}"), 400,
                "invalid-input", "attributes[0].required");
        assertProblem(get("/api/v1/contacts?limit=many"), 400, "invalid-input", "limit");
        assertProblem(get("/api/v1/contacts?limit=0"), 422, "invalid-input", "limit");
        assertProblem(get("/api/v1/contacts/by-id/abc"), 400, "invalid-input", "id");
        get("/api/v1/tables/" + table + "/rows/o1").expect(404);
    }

    @Test
    void unknownTablesAndAttributesAreNamed() {
        String missing = unique("missing");
        assertProblem(post("/api/v1/tables/" + missing + "/rows", "{\"values\": {\"a\": 1}}"), 404, "not-found",
                "table");
        assertProblem(put("/api/v1/tables/" + missing + "/rows/k", "{\"values\": {\"a\": 1}}"), 404, "not-found",
                "table");
        assertProblem(post("/api/v1/tables/" + missing + "/rows/batch", "{\"items\": [{\"values\": {}}]}"), 404,
                "not-found", "table");
        assertProblem(get("/api/v1/tables/" + missing + "/rows/k"), 404, "not-found", "table");
        assertProblem(get("/api/v1/tables/" + missing), 404, "not-found", "table");
        assertProblem(delete("/api/v1/tables/" + missing + "/rows/k"), 404, "not-found", "table");
        assertProblem(get("/api/v1/tables/Orders%3B%20drop%20table%20contacts/rows/k"), 404, "not-found", "table");
        assertProblem(post("/api/v1/tables/contacts/rows", "{\"values\": {\"external_id\": \"x\"}}"), 422,
                "invalid-input", "table");

        assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"externalId\": \"" + customer
                + "\"}, \"values\": {\"order_id\": \"o1\", \"colour\": \"red\", \"size\": 4}}"), 422, "invalid-input",
                "values.colour", "values.size");
        assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"externalId\": \"" + customer
                + "\"}, \"values\": {\"order_id\": \"o1\"}, \"extra\": 1}"), 422, "invalid-input", "extra");
        assertProblem(put("/api/v1/contacts/" + customer, "{\"shoeSize\": 44}"), 422, "invalid-input", "shoeSize");
        assertProblem(put("/api/v1/contacts/" + customer, "{\"attributes\": {\"shoe_size\": 44}}"), 422,
                "invalid-input", "attributes.shoe_size");
        assertProblem(put("/api/v1/contacts/" + customer, "{\"attributes\": {\"email\": \"a@b.be\"}}"), 422,
                "invalid-input", "attributes.email");
        assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + customer
                + "\"}, \"props\": {}}"), 422, "invalid-input", "props");
        get("/api/v1/tables/" + table + "/rows/o1").expect(404);
    }

    @Test
    void invalidContactDetailsAreNamed() {
        String other = unique("c");
        assertProblem(put("/api/v1/contacts/" + other, """
                {"email": "ann@", "phone": "+32 12", "country": "XX", "locale": "!!", "timeZone": "Europe/Gent"}
                """), 422, "invalid-input", "email", "phone", "country", "locale", "timeZone");
        for (String email : List.of("plainaddress", "@example.com", "ann@example", "ann..b@example.com",
                "ann@exa mple.com", "ann@-example.com", "a".repeat(65) + "@example.com")) {
            assertProblem(put("/api/v1/contacts/" + other, "{\"email\": " + JSON.writeValueAsString(email) + "}"),
                    422, "invalid-input", "email");
        }
        for (String phone : List.of("12", "0470 12 34 56", "+999 123", "call me", "+32 470 12 34 56 78 90")) {
            assertProblem(put("/api/v1/contacts/" + other, "{\"phone\": " + JSON.writeValueAsString(phone) + "}"),
                    422, "invalid-input", "phone");
        }
        assertProblem(post("/api/v1/contacts/batch", "{\"items\": [{\"externalId\": \"" + other
                + "\", \"email\": \"x\"}]}").expect(200).json().at("/results/0/problem"), 422, "invalid-input",
                "email");
        get("/api/v1/contacts/" + other).expect(404);
    }

    @Test
    void textsThatPostgresCannotStoreAreRefusedNot500() {
        String other = unique("c");
        String nul = "\\u0000";
        String lone = "\\ud800";
        String lowFirst = "\\udc00\\ud800";
        for (String bad : List.of(nul, lone, lowFirst, "x" + lone)) {
            assertProblem(put("/api/v1/contacts/" + other, "{\"firstName\": \"a" + bad + "\"}"), 422,
                    "invalid-input", "firstName");
            assertProblem(post("/api/v1/contacts", "{\"externalId\": \"" + other + bad + "\"}"), 422,
                    "invalid-input", "externalId");
            // As a property name: Jackson itself refuses a broken surrogate pair there (not JSON text), a NUL is
            // just an unknown attribute.
            assertProblem(put("/api/v1/contacts/" + other, "{\"attributes\": {\"a" + bad + "\": 1}}"),
                    bad.equals(nul) ? 422 : 400, bad.equals(nul) ? "invalid-input" : "malformed-json");
            assertProblem(post("/api/v1/events", "{\"type\": \"x" + bad + "\", \"contact\": {\"externalId\": \""
                    + other + "\"}}"), 422, "invalid-input", "type");
            assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + other + bad
                    + "\"}}"), 422, "invalid-input", "contact.externalId");
            assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"anonymousId\": \"anon" + bad
                    + "\"}}"), 422, "invalid-input", "contact.anonymousId");
            assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + other
                    + "\"}, \"properties\": {\"q\": \"" + bad + "\"}}"), 422, "invalid-input", "properties");
            assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + other
                    + "\"}, \"properties\": {\"" + bad + "\": 1}}"), bad.equals(nul) ? 422 : 400,
                    bad.equals(nul) ? "invalid-input" : "malformed-json");
            assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"externalId\": \"" + other
                    + "\"}, \"values\": {\"order_id\": \"o" + bad + "\"}}"), 422, "invalid-input", "values.order_id");
            assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"externalId\": \"" + other
                    + "\"}, \"values\": {\"order_id\": \"o1\", \"note\": \"" + bad + "\"}}"), 422, "invalid-input",
                    "values.note");
            assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"externalId\": \"" + other
                    + "\"}, \"values\": {\"order_id\": \"o1\", \"meta\": {\"k\": \"" + bad + "\"}}}"), 422,
                    "invalid-input", "values.meta");
            assertProblem(post("/api/v1/tables", "{\"name\": \"t" + bad + "\", \"kind\": \"reference\","
                    + " \"businessKey\": \"a\", \"attributes\": [{\"name\": \"a\", \"type\": \"text\"}]}"), 422,
                    "invalid-input", "name");
            assertProblem(post("/api/v1/tables", "{\"name\": \"" + unique("t") + "\", \"kind\": \"reference\","
                    + " \"businessKey\": \"a\", \"attributes\": [{\"name\": \"a\", \"type\": \"text\"},"
                    + " {\"name\": \"e\", \"type\": \"enum\", \"enumValues\": [\"v" + bad + "\"]}]}"), 422,
                    "invalid-input", "attributes[1].enumValues");
            JsonNode batch = post("/api/v1/events/batch", "{\"items\": [{\"type\": \"x\", \"contact\": {\"externalId\": \""
                    + other + "\"}, \"idempotencyKey\": \"k" + bad + "\"}]}").expect(200).json();
            assertProblem(batch.at("/results/0/problem"), 422, "invalid-input", "items[0].idempotencyKey");
        }
        // In a query parameter, a NUL is bad input too, not a database error.
        assertProblem(get("/api/v1/contacts?email=a%00b"), 422, "invalid-input", "email");
        assertProblem(get("/api/v1/contacts?name=a%00b"), 422, "invalid-input", "name");
        assertProblem(get("/api/v1/tables/" + table + "/rows?contactExternalId=a%00b"), 422, "invalid-input",
                "contactExternalId");
        // In a path, Tomcat refuses an encoded NUL itself (400, before the application sees the request).
        get("/api/v1/tables/" + table + "/rows/o%00").expect(400);
        put("/api/v1/contacts/a%00b", "{}").expect(400);
        delete("/api/v1/contacts/a%00b").expect(400);
        get("/api/v1/contacts/" + other).expect(404);
    }

    @Test
    void bytesThatAreNotUtf8AreAnEncodingProblem() {
        byte[][] bodies = {
                bytes("{\"firstName\": \"", new byte[] {(byte) 0xff, (byte) 0xfe}, "\"}"),
                bytes("{\"firstName\": \"", new byte[] {(byte) 0xc3}, "\"}"),
                bytes("{\"firstName\": \"", new byte[] {(byte) 0xc0, (byte) 0xaf}, "\"}"),
                bytes("{\"firstName\": \"", new byte[] {(byte) 0xe2, (byte) 0x82}, "\"}"),
                bytes("{\"", new byte[] {(byte) 0x80}, "\": 1}"),
        };
        for (byte[] body : bodies) {
            assertProblem(sendBytes("PUT", "/api/v1/contacts/" + customer, body, ADMIN_KEY, Map.of()), 400,
                    "invalid-encoding");
            assertProblem(sendBytes("POST", "/api/v1/events", body, ADMIN_KEY, Map.of()), 400, "invalid-encoding");
        }
        // A surrogate encoded in UTF-8 (CESU) is not UTF-8 either; refused one way or the other, never stored.
        ApiTest.Response cesu = sendBytes("PUT", "/api/v1/contacts/" + customer,
                bytes("{\"firstName\": \"", new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, "\"}"), ADMIN_KEY,
                Map.of());
        assertProblem(cesu, 400, "invalid-encoding");
        // Well-formed multi-byte UTF-8 (2, 3 and 4 bytes) is of course fine.
        sendBytes("PUT", "/api/v1/contacts/" + customer, "{\"firstName\": \"Existing\", \"lastName\": null, \"country\": null}"
                .getBytes(StandardCharsets.UTF_8), ADMIN_KEY, Map.of()).expect(200);
        String other = unique("c");
        JsonNode accents = sendBytes("PUT", "/api/v1/contacts/" + other, "{\"firstName\": \"Zoë €5 😀\"}"
                .getBytes(StandardCharsets.UTF_8), ADMIN_KEY, Map.of()).expect(201).json();
        assertThat(accents.get("firstName").stringValue()).isEqualTo("Zoë €5 😀");
        delete("/api/v1/contacts/" + other).expect(204);
        before = counts();
    }

    @Test
    void bodiesOverTheLimitAre413WithOrWithoutContentLength() throws Exception {
        // A valid batch of events, 300 KB: it would be written if it were read.
        StringBuilder items = new StringBuilder();
        String padding = "p".repeat(290);
        for (int i = 0; i < 1000; i++) {
            items.append(i == 0 ? "" : ",").append("{\"type\": \"big\", \"contact\": {\"externalId\": \"")
                    .append(customer).append("\"}, \"properties\": {\"pad\": \"").append(padding).append("\"}}");
        }
        byte[] body = ("{\"items\": [" + items + "]}").getBytes(StandardCharsets.UTF_8);
        assertThat(body.length).isGreaterThan(300_000);

        assertProblem(sendBytes("POST", "/api/v1/events/batch", body, ADMIN_KEY, Map.of()), 413,
                "payload-too-large");

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest chunked = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/events/batch"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        HttpResponse<String> response = client.send(chunked, HttpResponse.BodyHandlers.ofString());
        ApiTest.Response answer = new ApiTest.Response(response.statusCode(), response.body(),
                response.headers().map());
        assertProblem(answer, 413, "payload-too-large");

        // Just under the limit is fine (and would have been written): shown with a body that changes nothing.
        byte[] small = ("{\"firstName\": \"Existing\", \"lastName\": null, \"attributes\": null}" + " ".repeat(200_000))
                .getBytes(StandardCharsets.UTF_8);
        sendBytes("PUT", "/api/v1/contacts/" + customer, small, ADMIN_KEY, Map.of()).expect(200);
    }

    @Test
    void textsAndPropertiesOverTheirLimitsAreNamed() {
        assertProblem(put("/api/v1/contacts/" + customer, "{\"firstName\": \"" + "a".repeat(10_001) + "\"}"), 422,
                "invalid-input", "firstName");
        assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"externalId\": \"" + customer
                + "\"}, \"values\": {\"order_id\": \"o1\", \"note\": \"" + "n".repeat(10_001) + "\"}}"), 422,
                "invalid-input", "values.note");
        assertProblem(post("/api/v1/tables/" + table + "/rows", "{\"contact\": {\"externalId\": \"" + customer
                + "\"}, \"values\": {\"order_id\": \"o1\", \"meta\": {\"m\": \"" + "n".repeat(70_000) + "\"}}}"), 422,
                "invalid-input", "values.meta");
        assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + customer
                + "\"}, \"properties\": {\"p\": \"" + "n".repeat(40_000) + "\"}}"), 422, "invalid-input",
                "properties");
        assertProblem(post("/api/v1/events", "{\"type\": \"" + "x".repeat(101) + "\", \"contact\": {\"externalId\": \""
                + customer + "\"}}"), 422, "invalid-input", "type");
        assertProblem(post("/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + "c".repeat(256)
                + "\"}}"), 422, "invalid-input", "contact.externalId");
    }

    @Test
    void requestsThatAreNotJsonAreProblemsToo() {
        assertProblem(send("PUT", "/api/v1/contacts/" + customer, "firstName=x", ADMIN_KEY,
                Map.of("Content-Type", "application/x-www-form-urlencoded")), 415, "unsupported-media-type");
        assertProblem(send("PATCH", "/api/v1/contacts/" + customer, "{}", ADMIN_KEY, Map.of()), 405,
                "method-not-allowed");
        assertProblem(get("/api/v1/no-such-thing"), 404, "not-found");
        assertProblem(send("GET", "/api/v1/contacts/" + customer, null, ADMIN_KEY, Map.of("Accept", "text/csv")),
                406, "not-acceptable");
    }

    private Map<String, Long> counts() {
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        counts.put("contacts", jdbc.queryForObject("select count(*) from contacts", Long.class));
        counts.put("rows", jdbc.queryForObject("select count(*) from data.\"" + table + "\"", Long.class));
        counts.put("events", jdbc.queryForObject("select count(*) from events", Long.class));
        counts.put("outbox", jdbc.queryForObject("select count(*) from outbox", Long.class));
        counts.put("identities", jdbc.queryForObject("select count(*) from contact_identities", Long.class));
        counts.put("tables", jdbc.queryForObject("select count(*) from data_tables", Long.class));
        return counts;
    }

    private static byte[] bytes(String before, byte[] middle, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(middle);
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
