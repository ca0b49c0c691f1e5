package io.activation.api.access;

import static io.activation.testing.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** Authentication by API key and the scopes ingest, read and admin. */
class ApiKeyApiTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void requestsWithoutAValidKeyAreUnauthenticated() {
        for (String path : List.of("/api/v1/contacts/x", "/api/v1/tables", "/api/v1/api-keys", "/v1/track")) {
            assertProblem(send("GET", path, null, null, Map.of()), 401, "unauthenticated");
            assertProblem(send("GET", path, null, "act_unknownkeyunknownkeyunknownkey", Map.of()), 401,
                    "unauthenticated");
        }
        assertThat(send("GET", "/api/v1/tables", null, null, Map.of()).header("WWW-Authenticate"))
                .startsWith("Bearer");
        // Refused before the body is read: a write without a key changes nothing.
        String id = unique("c");
        assertProblem(send("PUT", "/api/v1/contacts/" + id, "{\"firstName\": \"X\"}", null, Map.of()), 401,
                "unauthenticated");
        assertProblem(send("PUT", "/api/v1/contacts/" + id, "{\"firstName\": \"X\"}", null,
                Map.of("Authorization", "Basic " + basic("wrong-key"))), 401, "unauthenticated");
        get("/api/v1/contacts/" + id).expect(404);

        // The three ways to send a valid key.
        send("GET", "/api/v1/tables", null, null, Map.of("X-API-Key", ADMIN_KEY)).expect(200);
        send("GET", "/api/v1/tables", null, null, Map.of("Authorization", "Basic " + basic(ADMIN_KEY + ":"))).expect(200);
        send("GET", "/api/v1/tables", null, ADMIN_KEY, Map.of()).expect(200);
    }

    @Test
    void aRevokedKeyIsRefusedAtOnce() {
        JsonNode issued = issue("read");
        String secret = issued.get("secret").stringValue();
        send("GET", "/api/v1/tables", null, secret, Map.of()).expect(200);
        JsonNode revoked = delete("/api/v1/api-keys/" + issued.at("/key/id").stringValue()).expect(200).json();
        assertThat(revoked.get("revokedAt").isString()).isTrue();
        assertProblem(send("GET", "/api/v1/tables", null, secret, Map.of()), 401, "unauthenticated");
        assertProblem(delete("/api/v1/api-keys/" + java.util.UUID.randomUUID()), 404, "not-found", "id");
    }

    @Test
    void scopesDecideWhatAKeyMayDo() {
        String read = issue("read").get("secret").stringValue();
        String ingest = issue("ingest").get("secret").stringValue();
        String admin = issue("admin").get("secret").stringValue();
        String customer = unique("c");
        String table = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "sku", "attributes": [{"name": "sku", "type": "text"}]}
                """.formatted(unique("products")));
        String tableBody = """
                {"name": "%s", "kind": "reference", "businessKey": "sku", "attributes": [{"name": "sku", "type": "text"}]}
                """.formatted(unique("t"));

        // read: reads only.
        send("GET", "/api/v1/tables", null, read, Map.of()).expect(200);
        send("GET", "/api/v1/tables/" + table + "/rows", null, read, Map.of()).expect(200);
        send("GET", "/api/v1/contacts?email=x@example.com", null, read, Map.of()).expect(200);
        assertProblem(send("PUT", "/api/v1/contacts/" + customer, "{}", read, Map.of()), 403, "forbidden");
        assertProblem(send("POST", "/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + customer
                + "\"}}", read, Map.of()), 403, "forbidden");
        assertProblem(send("POST", "/api/v1/tables/" + table + "/rows", "{\"values\": {\"sku\": \"a\"}}", read,
                Map.of()), 403, "forbidden");
        assertProblem(send("DELETE", "/api/v1/contacts/" + customer, null, read, Map.of()), 403, "forbidden");
        assertProblem(send("POST", "/api/v1/tables", tableBody, read, Map.of()), 403, "forbidden");
        get("/api/v1/contacts/" + customer).expect(404);

        // ingest: writes data, but neither reads nor changes the model nor manages keys.
        send("PUT", "/api/v1/contacts/" + customer, "{}", ingest, Map.of()).expect(201);
        send("POST", "/api/v1/tables/" + table + "/rows", "{\"values\": {\"sku\": \"a\"}}", ingest, Map.of())
                .expect(201);
        send("POST", "/api/v1/events", "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + customer + "\"}}",
                ingest, Map.of()).expect(202);
        assertProblem(send("GET", "/api/v1/contacts/" + customer, null, ingest, Map.of()), 403, "forbidden");
        assertProblem(send("POST", "/api/v1/tables", tableBody, ingest, Map.of()), 403, "forbidden");
        assertProblem(send("POST", "/api/v1/tables/" + table + "/attributes", "{\"name\": \"x\", \"type\": \"text\"}",
                ingest, Map.of()), 403, "forbidden");
        assertProblem(send("POST", "/api/v1/api-keys", "{\"name\": \"sneaky\", \"scopes\": [\"admin\"]}", ingest,
                Map.of()), 403, "forbidden");
        assertProblem(send("GET", "/api/v1/api-keys", null, ingest, Map.of()), 403, "forbidden");
        assertThat(get("/api/v1/api-keys").expect(200).json().findValuesAsString("name")).doesNotContain("sneaky");
        assertThat(get("/api/v1/tables/" + table).expect(200).json().get("attributes")).hasSize(1);

        // admin: everything.
        send("POST", "/api/v1/tables", tableBody, admin, Map.of()).expect(201);
        send("POST", "/api/v1/tables/" + table + "/attributes", "{\"name\": \"x\", \"type\": \"text\"}", admin,
                Map.of()).expect(201);
        send("GET", "/api/v1/contacts/" + customer, null, admin, Map.of()).expect(200);
        send("PUT", "/api/v1/contacts/" + customer, "{\"firstName\": \"Ad\"}", admin, Map.of()).expect(200);
        send("POST", "/api/v1/api-keys", "{\"name\": \"by-admin\", \"scopes\": [\"read\"]}", admin, Map.of())
                .expect(201);
        send("DELETE", "/api/v1/contacts/" + customer, null, admin, Map.of()).expect(204);
    }

    @Test
    void secretsAreStoredHashedAndShownOnlyOnce() throws Exception {
        JsonNode issued = issue("ingest", "read");
        String secret = issued.get("secret").stringValue();
        String id = issued.at("/key/id").stringValue();
        assertThat(secret).startsWith("act_").hasSizeGreaterThanOrEqualTo(40);
        assertThat(issued.at("/key/scopes").valueStream().map(JsonNode::stringValue))
                .containsExactlyInAnyOrder("ingest", "read");

        Map<String, Object> row = jdbc.queryForMap("select * from api_keys where id = ?::uuid", id);
        for (Map.Entry<String, Object> column : row.entrySet()) {
            Object value = column.getValue();
            String text = value instanceof byte[] bytes ? new String(bytes, StandardCharsets.ISO_8859_1)
                    : String.valueOf(value);
            assertThat(text).as("column %s", column.getKey()).doesNotContain(secret);
        }
        byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        assertThat((byte[]) row.get("key_hash")).isEqualTo(sha256);
        assertThat(jdbc.queryForObject("select count(*) from api_keys where key_prefix = ? and id <> ?::uuid",
                Long.class, secret.substring(0, 8), id)).isZero();

        String list = get("/api/v1/api-keys").expect(200).body();
        assertThat(list).contains(id).doesNotContain(secret).doesNotContain("secret");
        JsonNode listed = JSON.readTree(list).valueStream().filter(k -> k.get("id").stringValue().equals(id))
                .findFirst().orElseThrow();
        assertThat(listed.get("prefix").stringValue()).isEqualTo(secret.substring(0, 8));
        assertThat(listed.get("createdAt")).isEqualTo(issued.at("/key/createdAt"));
    }

    @Test
    void issuingRefusesBadNamesAndScopes() {
        assertProblem(post("/api/v1/api-keys", "{\"name\": \"x\", \"scopes\": [\"root\"]}"), 422, "invalid-input",
                "scopes[0]");
        assertProblem(post("/api/v1/api-keys", "{\"name\": \"x\", \"scopes\": []}"), 422, "invalid-input", "scopes");
        assertProblem(post("/api/v1/api-keys", "{\"name\": \" \", \"scopes\": [\"read\"]}"), 422, "invalid-input",
                "name");
        assertProblem(post("/api/v1/api-keys", "{\"name\": \"nul\\u0000byte\", \"scopes\": [\"read\"]}"), 422,
                "invalid-input", "name");
        assertProblem(post("/api/v1/api-keys", "{\"name\": \"half \\ud800\", \"scopes\": [\"read\"]}"), 422,
                "invalid-input", "name");
        assertProblem(post("/api/v1/api-keys", "{\"name\": \"x\", \"scopes\": \"read\"}"), 400, "invalid-input",
                "scopes");
    }

    private JsonNode issue(String... scopes) {
        return post("/api/v1/api-keys", "{\"name\": \"" + unique("key") + "\", \"scopes\": "
                + JSON.writeValueAsString(scopes) + "}").expect(201).json();
    }

    private static String basic(String userAndPassword) {
        return Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }
}
