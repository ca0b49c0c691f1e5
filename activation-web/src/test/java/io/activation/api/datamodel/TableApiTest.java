package io.activation.api.datamodel;

import static io.activation.testing.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** The data-model DDL: what defining a table and adding an attribute do to PostgreSQL, and what they refuse. */
class TableApiTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void definingTablesCreatesTypedPostgresTablesWithBusinessKeyAndIndexes() {
        String stores = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "store_code",
                 "attributes": [{"name": "store_code", "type": "text"}, {"name": "city", "type": "text"}]}
                """.formatted(unique("stores")));
        String orders = unique("orders");
        JsonNode defined = post("/api/v1/tables", """
                {"name": "%s", "kind": "interaction", "businessKey": "order_id", "timeAttribute": "ordered_at",
                 "attributes": [
                   {"name": "order_id", "type": "text"},
                   {"name": "ordered_at", "type": "timestamp", "required": true},
                   {"name": "quantity", "type": "integer"},
                   {"name": "total", "type": "decimal"},
                   {"name": "paid", "type": "boolean"},
                   {"name": "delivery_date", "type": "date"},
                   {"name": "status", "type": "enum", "enumValues": ["open", "paid"]},
                   {"name": "details", "type": "json"},
                   {"name": "store_code", "type": "text", "references": "%s"}]}
                """.formatted(orders, stores)).expect(201).json();
        assertThat(defined.get("name").stringValue()).isEqualTo(orders);
        assertThat(defined.get("belongsToContact").booleanValue()).isTrue();

        assertThat(columnTypes(orders)).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("id", "bigint"),
                Map.entry("contact_id", "bigint"),
                Map.entry("order_id", "text"),
                Map.entry("ordered_at", "timestamp with time zone"),
                Map.entry("quantity", "bigint"),
                Map.entry("total", "numeric"),
                Map.entry("paid", "boolean"),
                Map.entry("delivery_date", "date"),
                Map.entry("status", "text"),
                Map.entry("details", "jsonb"),
                Map.entry("store_code", "text"),
                Map.entry("created_at", "timestamp with time zone"),
                Map.entry("updated_at", "timestamp with time zone")));
        assertThat(notNullColumns(orders)).contains("id", "contact_id", "order_id", "created_at", "updated_at")
                .doesNotContain("quantity", "store_code");

        List<String> indexes = indexDefinitions(orders);
        assertThat(indexes).as("unique business key").anyMatch(d -> d.startsWith("CREATE UNIQUE INDEX")
                && d.endsWith("USING btree (order_id)"));
        assertThat(indexes).as("contact + time index").anyMatch(d -> d.endsWith("USING btree (contact_id, ordered_at)"));
        assertThat(indexes).as("relation index").anyMatch(d -> !d.startsWith("CREATE UNIQUE")
                && d.endsWith("USING btree (store_code)"));
        assertThat(jdbc.queryForObject("""
                select confdeltype from pg_constraint
                where conrelid = to_regclass(?) and contype = 'f' and confrelid = 'public.contacts'::regclass""",
                String.class, "data.\"" + orders + "\"")).as("rows go with their contact").isEqualTo("c");

        // A reference table has no contact; a linked table without time attribute is indexed by contact + creation.
        assertThat(columnTypes(stores)).containsOnlyKeys("id", "store_code", "city", "created_at", "updated_at");
        assertThat(indexDefinitions(stores)).anyMatch(d -> d.startsWith("CREATE UNIQUE INDEX")
                && d.endsWith("USING btree (store_code)"));
        String coupons = defineTable("""
                {"name": "%s", "kind": "linked", "businessKey": "coupon_no",
                 "attributes": [{"name": "coupon_no", "type": "integer"}]}
                """.formatted(unique("coupons")));
        assertThat(columnTypes(coupons)).containsEntry("coupon_no", "bigint").containsEntry("contact_id", "bigint");
        assertThat(indexDefinitions(coupons)).anyMatch(d -> d.endsWith("USING btree (contact_id, created_at)"));

        JsonNode described = get("/api/v1/tables/" + orders).expect(200).json();
        assertThat(described.get("timeAttribute").stringValue()).isEqualTo("ordered_at");
        assertThat(described.get("attributes")).hasSize(9);
        assertThat(get("/api/v1/tables").expect(200).json().get("items").findValuesAsString("name"))
                .contains("contacts", orders, stores, coupons);
    }

    @Test
    void longestAllowedNamesGetDistinctIndexNames() {
        String table = unique("t") + "x".repeat(63 - 12);
        assertThat(table).hasSize(63);
        String attribute = "a".repeat(63);
        String key = "k".repeat(63);
        String stores = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "code", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(unique("stores")));
        defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "%s", "timeAttribute": "%s",
                 "attributes": [{"name": "%s", "type": "text"}, {"name": "%s", "type": "timestamp"},
                                {"name": "store", "type": "text", "references": "%s"}]}
                """.formatted(table, key, attribute, key, attribute, stores));
        assertThat(indexDefinitions(table)).hasSize(5); // pkey, key, contact+time, time, relation
    }

    @Test
    void addingAnAttributeToALiveTableKeepsRowsAndRewritesNothing() {
        String stores = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "code", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(unique("stores")));
        String products = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "sku",
                 "attributes": [{"name": "sku", "type": "text"}, {"name": "title", "type": "text"}]}
                """.formatted(unique("products")));
        post("/api/v1/tables/" + products + "/rows", "{\"values\": {\"sku\": \"p-1\", \"title\": \"Kettle\"}}")
                .expect(201);
        long fileBefore = relfilenode(products);

        JsonNode updated = post("/api/v1/tables/" + products + "/attributes",
                "{\"name\": \"price\", \"type\": \"decimal\"}").expect(201).json();
        assertThat(updated.get("attributes").findValuesAsString("name")).containsExactly("sku", "title", "price");
        assertThat(columnTypes(products)).containsEntry("price", "numeric");
        assertThat(relfilenode(products)).as("ADD COLUMN without default must not rewrite the table")
                .isEqualTo(fileBefore);

        JsonNode old = get("/api/v1/tables/" + products + "/rows/p-1").expect(200).json();
        assertThat(old.at("/values/title").stringValue()).isEqualTo("Kettle");
        assertThat(old.at("/values/price").isNull()).isTrue();
        JsonNode priced = post("/api/v1/tables/" + products + "/rows",
                "{\"values\": {\"sku\": \"p-1\", \"price\": 19.99}}").expect(200).json();
        assertThat(priced.at("/values/price").decimalValue()).isEqualByComparingTo("19.99");
        assertThat(priced.at("/values/title").stringValue()).isEqualTo("Kettle");
        post("/api/v1/tables/" + products + "/rows", "{\"values\": {\"sku\": \"p-2\", \"price\": 5}}").expect(201);

        // A relation added live gets its index too (built concurrently, after the column commits).
        post("/api/v1/tables/" + products + "/attributes",
                "{\"name\": \"store\", \"type\": \"text\", \"references\": \"" + stores + "\"}").expect(201);
        assertThat(indexDefinitions(products)).anyMatch(d -> d.endsWith("USING btree (store)"));
        assertThat(relfilenode(products)).isEqualTo(fileBefore);

        // The probe does see a rewrite when there is one.
        jdbc.execute("vacuum full data.\"" + products + "\"");
        assertThat(relfilenode(products)).isNotEqualTo(fileBefore);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Orders", "ord\"ers", "orders; drop table contacts", "orders\"; drop table contacts; --",
            "id", "contact_id", "created_at", "pg_orders", "sys_orders", "1orders", "_orders", "or ders",
            "café", "注文", "orders\u0000", "", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void tableNamesThatAreNotAllowedAreRefusedNamingTheField(String name) {
        long tables = tableCount();
        assertProblem(post("/api/v1/tables", """
                {"name": %s, "kind": "reference", "businessKey": "code", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(JSON.writeValueAsString(name))), 422, "invalid-input", "name");
        assertThat(tableCount()).isEqualTo(tables);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Total", "to\"tal", "total; drop table contacts", "id", "contact_id", "created_at",
            "updated_at", "xmin", "ctid", "pg_total", "9total", "prïce", "total\u0000",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void attributeNamesThatAreNotAllowedAreRefusedNamingTheField(String attribute) {
        String table = unique("t");
        String encoded = JSON.writeValueAsString(attribute);
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "text"}, {"name": %s, "type": "text"}]}
                """.formatted(table, encoded)), 422, "invalid-input", "attributes[1].name");
        get("/api/v1/tables/" + table).expect(404);

        defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "code", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(table));
        assertProblem(post("/api/v1/tables/" + table + "/attributes", "{\"name\": " + encoded + ", \"type\": \"text\"}"),
                422, "invalid-input", "name");
        assertThat(columnTypes(table)).containsOnlyKeys("id", "code", "created_at", "updated_at");
    }

    @Test
    void definitionsThatBreakTheRulesAreRefusedNamingTheField() {
        String t = unique("t");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "code", "type": "integer"}]}
                """.formatted(t)), 422, "invalid-input", "attributes[1].name");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "price",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "price", "type": "decimal"}]}
                """.formatted(t)), 422, "invalid-input", "businessKey");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "nope", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(t)), 422, "invalid-input", "businessKey");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code", "timeAttribute": "at",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "at", "type": "timestamp"}]}
                """.formatted(t)), 422, "invalid-input", "timeAttribute");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "interaction", "businessKey": "code", "timeAttribute": "code",
                 "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(t)), 422, "invalid-input", "timeAttribute");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "galaxy", "businessKey": "code", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(t)), 422, "invalid-input", "kind");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "contacts", "businessKey": "code", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(t)), 422, "invalid-input", "kind");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "size", "type": "colour"}]}
                """.formatted(t)), 422, "invalid-input", "attributes[1].type");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "size", "type": "enum"}]}
                """.formatted(t)), 422, "invalid-input", "attributes[1].enumValues");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "size", "type": "enum", "enumValues": ["s", "s"]}]}
                """.formatted(t)), 422, "invalid-input", "attributes[1].enumValues");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code", "description": "%s",
                 "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(t, "d".repeat(501))), 422, "invalid-input", "description");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code", "description": "bad\\u0000byte",
                 "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(t)), 422, "invalid-input", "description");
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code", "description": "half \\ud800 pair",
                 "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(t)), 422, "invalid-input", "description");
        get("/api/v1/tables/" + t).expect(404);
        assertThat(columnTypes(t)).isEmpty();

        defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "code", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(t));
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(t)), 409, "table-exists", "name");
        assertProblem(post("/api/v1/tables/" + t + "/attributes", "{\"name\": \"code\", \"type\": \"text\"}"),
                409, "attribute-exists", "name");
        assertProblem(post("/api/v1/tables/" + unique("missing") + "/attributes", "{\"name\": \"x\", \"type\": \"text\"}"),
                404, "not-found", "table");
    }

    @Test
    void moreAttributesThanAllowedIsALimitProblemNamingTheField() {
        JsonNode problem = assertProblem(post("/api/v1/tables", tableWith("reference", unique("t"), 26)), 422,
                "limit-exceeded", "attributes");
        assertThat(problem.get("limit").asInt()).isEqualTo(25);
        problem = assertProblem(post("/api/v1/tables", tableWith("interaction", unique("t"), 41)), 422,
                "limit-exceeded", "attributes");
        assertThat(problem.get("limit").asInt()).isEqualTo(40);
        problem = assertProblem(post("/api/v1/tables", tableWith("linked", unique("t"), 41)), 422,
                "limit-exceeded", "attributes");
        assertThat(problem.get("limit").asInt()).isEqualTo(40);

        String full = defineTable(tableWith("reference", unique("t"), 25));
        problem = assertProblem(post("/api/v1/tables/" + full + "/attributes", "{\"name\": \"one_more\", \"type\": \"text\"}"),
                422, "limit-exceeded", "name");
        assertThat(problem.get("limit").asInt()).isEqualTo(25);
        assertThat(columnTypes(full)).hasSize(25 + 3).doesNotContainKey("one_more");
        assertThat(get("/api/v1/tables/" + full).expect(200).json().get("attributes")).hasSize(25);
        defineTable(tableWith("interaction", unique("t"), 40));
    }

    @Test
    void relationsMustNameAnExistingTableWithAKeyOfTheSameType() {
        String stores = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "code", "attributes": [{"name": "code", "type": "text"}]}
                """.formatted(unique("stores")));
        String t = unique("lines");
        assertProblem(post("/api/v1/tables", relationTable(t, "text", unique("missing"))), 422, "invalid-input",
                "attributes[1].references");
        assertProblem(post("/api/v1/tables", relationTable(t, "integer", stores)), 422, "invalid-input",
                "attributes[1].type");
        assertProblem(post("/api/v1/tables", relationTable(t, "text", "contacts")), 422, "invalid-input",
                "attributes[1].references");
        assertProblem(post("/api/v1/tables", relationTable(t, "text", "Stores; drop table contacts")), 422,
                "invalid-input", "attributes[1].references");
        get("/api/v1/tables/" + t).expect(404);

        // A table may refer to itself (a category tree), with the key's type.
        assertProblem(post("/api/v1/tables", """
                {"name": "%s", "kind": "reference", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "parent", "type": "integer", "references": "%s"}]}
                """.formatted(t, t)), 422, "invalid-input", "attributes[1].type");
        defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "parent", "type": "text", "references": "%s"}]}
                """.formatted(t, t));

        assertProblem(post("/api/v1/tables/" + t + "/attributes",
                "{\"name\": \"store\", \"type\": \"text\", \"references\": \"" + unique("missing") + "\"}"),
                422, "invalid-input", "references");
        assertProblem(post("/api/v1/tables/" + t + "/attributes",
                "{\"name\": \"store\", \"type\": \"integer\", \"references\": \"" + stores + "\"}"),
                422, "invalid-input", "type");
        assertThat(columnTypes(t)).doesNotContainKey("store");
        post("/api/v1/tables/" + t + "/attributes",
                "{\"name\": \"store\", \"type\": \"text\", \"references\": \"" + stores + "\"}").expect(201);
        assertThat(get("/api/v1/tables/" + t).expect(200).json().at("/attributes/2/references").stringValue())
                .isEqualTo(stores);
    }

    @Test
    void valuesAreCheckedAgainstTheTypeOfTheirAttribute() {
        String t = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "qty", "type": "integer"},
                   {"name": "price", "type": "decimal"}, {"name": "active", "type": "boolean"},
                   {"name": "born", "type": "date"}, {"name": "seen", "type": "timestamp"},
                   {"name": "size", "type": "enum", "enumValues": ["s", "m", "l"]}, {"name": "extra", "type": "json"},
                   {"name": "mail", "type": "email"}, {"name": "mobile", "type": "phone"}]}
                """.formatted(unique("typed")));
        JsonNode row = post("/api/v1/tables/" + t + "/rows", """
                {"values": {"code": "ok", "qty": 12.0, "price": 12.50, "active": false, "born": "2000-02-29",
                 "seen": "2026-01-02T03:04:05+02:00", "size": "m", "extra": {"tags": ["a", 1, null]},
                 "mail": "Ann@Example.COM", "mobile": "+32 470 12 34 56"}}
                """).expect(201).json().get("values");
        assertThat(row.get("qty").longValue()).isEqualTo(12);
        assertThat(row.get("price").decimalValue()).isEqualByComparingTo("12.5");
        assertThat(row.get("active").booleanValue()).isFalse();
        assertThat(row.get("born").stringValue()).isEqualTo("2000-02-29");
        assertThat(row.get("seen").stringValue()).isEqualTo("2026-01-02T01:04:05Z");
        assertThat(row.get("extra").toString()).isEqualTo("{\"tags\":[\"a\",1,null]}");
        assertThat(row.get("mail").stringValue()).isEqualTo("Ann@example.com");
        assertThat(row.get("mobile").stringValue()).isEqualTo("+32470123456");

        Map<String, List<String>> wrong = new HashMap<>();
        wrong.put("qty", List.of("\"12\"", "12.5", "true", "{}", "1e30"));
        wrong.put("price", List.of("\"1.5\"", "true", "[]", "1e40"));
        wrong.put("active", List.of("\"true\"", "1", "\"yes\""));
        wrong.put("born", List.of("\"2026-13-01\"", "20260101", "\"01/02/2026\"", "\"2026-02-30\""));
        wrong.put("seen", List.of("\"yesterday\"", "1700000000", "\"2026-01-02 25:00\""));
        wrong.put("size", List.of("\"xl\"", "\"M\"", "1", "[\"s\"]"));
        wrong.put("extra", List.of("{\"a\": \"nul\\u0000\"}", "\"\\ud800\""));
        wrong.put("mail", List.of("\"not-an-address\"", "\"a@b\"", "42"));
        wrong.put("mobile", List.of("\"12\"", "\"0470 12 34 56\"", "true"));
        wrong.put("code", List.of("12", "null", "\"\\u0000\""));
        int n = 0;
        for (Map.Entry<String, List<String>> e : wrong.entrySet()) {
            for (String value : e.getValue()) {
                String key = "bad" + n++;
                String values = e.getKey().equals("code") ? "{\"code\": " + value + "}"
                        : "{\"code\": \"" + key + "\", \"" + e.getKey() + "\": " + value + "}";
                assertProblem(post("/api/v1/tables/" + t + "/rows", "{\"values\": " + values + "}"), 422,
                        "invalid-input", "values." + e.getKey());
                get("/api/v1/tables/" + t + "/rows/" + key).expect(404);
            }
        }
        assertThat(jdbc.queryForObject("select count(*) from data.\"" + t + "\"", Long.class)).isEqualTo(1);
    }

    private static String tableWith(String kind, String name, int attributes) {
        List<String> list = new ArrayList<>();
        IntStream.range(0, attributes).forEach(i -> list.add("{\"name\": \"a" + i + "\", \"type\": \"text\"}"));
        return "{\"name\": \"" + name + "\", \"kind\": \"" + kind + "\", \"businessKey\": \"a0\", \"attributes\": ["
                + String.join(", ", list) + "]}";
    }

    private static String relationTable(String name, String type, String references) {
        return """
                {"name": "%s", "kind": "interaction", "businessKey": "line_id",
                 "attributes": [{"name": "line_id", "type": "text"}, {"name": "ref", "type": "%s", "references": %s}]}
                """.formatted(name, type, JSON.writeValueAsString(references));
    }

    private Map<String, String> columnTypes(String table) {
        Map<String, String> types = new HashMap<>();
        jdbc.query("select column_name, data_type from information_schema.columns where table_schema = 'data'"
                + " and table_name = ?", rs -> {
                    types.put(rs.getString(1), rs.getString(2));
                }, table);
        return types;
    }

    private List<String> notNullColumns(String table) {
        return jdbc.queryForList("select column_name from information_schema.columns where table_schema = 'data'"
                + " and table_name = ? and is_nullable = 'NO'", String.class, table);
    }

    private List<String> indexDefinitions(String table) {
        return jdbc.queryForList("select indexdef from pg_indexes where schemaname = 'data' and tablename = ?",
                String.class, table);
    }

    private long relfilenode(String table) {
        return jdbc.queryForObject("select relfilenode from pg_class where oid = to_regclass(?)", Long.class,
                "data.\"" + table + "\"");
    }

    private long tableCount() {
        return jdbc.queryForObject("select (select count(*) from data_tables) + (select count(*) from"
                + " information_schema.tables where table_schema = 'data')", Long.class);
    }
}
