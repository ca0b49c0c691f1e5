package io.activation.api.targeting;

import static io.activation.testing.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.platform.InvalidInputException;
import io.activation.segment.Targeting;
import io.activation.testing.ApiTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Every rule element against the real PostgreSQL, through the preview endpoint (count + sample) and the
 * single-contact evaluation journeys use. Each test's contacts share a fresh external-id prefix and every rule is
 * scoped to it, so the shared database's other contacts never interfere.
 */
class SegmentRulesApiTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Targeting targeting;

    // ---- helpers ------------------------------------------------------------------------------------------

    private void contact(String externalId, String json) {
        Response r = put("/api/v1/contacts/" + externalId, json);
        assertThat(r.status()).as(r.body()).isIn(200, 201);
    }

    private String scoped(String prefix, String rule) {
        return "{\"and\": [{\"attribute\": \"external_id\", \"op\": \"starts_with\", \"value\": \"" + prefix
                + "-\"}, " + rule + "]}";
    }

    /** The suffixes (after "prefix-") of the contacts matching the rule, sorted. */
    private List<String> matching(String prefix, String rule) {
        JsonNode answer = post("/api/v1/segments/preview", "{\"sample\": 100, \"rule\": " + scoped(prefix, rule) + "}")
                .expect(200).json();
        List<String> ids = new ArrayList<>();
        answer.get("sample").forEach(m -> ids.add(m.get("externalId").stringValue().substring(prefix.length() + 1)));
        assertThat(answer.get("count").longValue()).as("count agrees with the sample").isEqualTo(ids.size());
        assertThat(answer.get("exact").booleanValue()).as("a small installation is counted exactly").isTrue();
        // The estimating form (per-contact correlated rule over a table sample), sampling every contact here, must
        // give the same answer as the set form for every rule.
        Targeting.Preview estimated = targeting.preview(JSON.readTree(scoped(prefix, rule)), 100,
                Targeting.PreviewMode.ESTIMATE, Integer.MAX_VALUE);
        assertThat(estimated.sample().stream().map(m -> m.externalId().substring(prefix.length() + 1)).sorted())
                .as("estimate path, sampling everyone").containsExactlyElementsOf(ids.stream().sorted().toList());
        assertThat(estimated.count()).isEqualTo(ids.size());
        assertThat(estimated.exact()).isTrue();
        return ids.stream().sorted().toList();
    }

    private boolean matches(String prefix, String suffix, String rule) {
        long id = get("/api/v1/contacts/" + prefix + "-" + suffix).expect(200).json().get("id").longValue();
        return targeting.matches(JSON.readTree(rule), id, Map.of());
    }

    private String customAttribute(String type, String extra) {
        String name = unique("a");
        post("/api/v1/tables/contacts/attributes", "{\"name\": \"" + name + "\", \"type\": \"" + type + "\"" + extra
                + "}").expect(201);
        return name;
    }

    private void row(String table, String contact, String values) {
        Response r = post("/api/v1/tables/" + table + "/rows", contact == null ? "{\"values\": " + values + "}"
                : "{\"contact\": {\"externalId\": \"" + contact + "\"}, \"values\": " + values + "}");
        assertThat(r.status()).as(r.body()).isIn(200, 201);
    }

    // ---- attributes -----------------------------------------------------------------------------------------

    @Test
    void comparisonsOnTextNumberEnumBooleanAndNullAttributes() {
        String p = unique("cmp");
        String level = customAttribute("enum", ", \"enumValues\": [\"gold\", \"silver\"]");
        String points = customAttribute("integer", "");
        String opted = customAttribute("boolean", "");
        contact(p + "-a", "{\"firstName\": \"Anna\", \"country\": \"NL\", \"attributes\": {\"" + level
                + "\": \"gold\", \"" + points + "\": 120, \"" + opted + "\": true}}");
        contact(p + "-b", "{\"firstName\": \"Bram\", \"country\": \"BE\", \"attributes\": {\"" + level
                + "\": \"silver\", \"" + points + "\": 80, \"" + opted + "\": false}}");
        contact(p + "-c", "{\"firstName\": \"Cas\"}");

        assertThat(matching(p, "{\"attribute\": \"country\", \"op\": \"eq\", \"value\": \"NL\"}")).containsExactly("a");
        // NULL never equals and never differs: c (no country) is in neither eq nor ne ...
        assertThat(matching(p, "{\"attribute\": \"country\", \"op\": \"ne\", \"value\": \"NL\"}")).containsExactly("b");
        // ... but "not" is the complement, so "not (country = NL)" includes the unknown.
        assertThat(matching(p, "{\"not\": {\"attribute\": \"country\", \"op\": \"eq\", \"value\": \"NL\"}}"))
                .containsExactly("b", "c");
        assertThat(matching(p, "{\"attribute\": \"country\", \"op\": \"is_null\"}")).containsExactly("c");
        assertThat(matching(p, "{\"attribute\": \"country\", \"op\": \"is_not_null\"}")).containsExactly("a", "b");
        assertThat(matching(p, "{\"attribute\": \"country\", \"op\": \"in\", \"value\": [\"BE\", \"DE\"]}"))
                .containsExactly("b");
        assertThat(matching(p, "{\"attribute\": \"country\", \"op\": \"not_in\", \"value\": [\"BE\"]}"))
                .containsExactly("a");
        assertThat(matching(p, "{\"attribute\": \"firstName\", \"op\": \"contains\", \"value\": \"RA\"}"))
                .containsExactly("b");
        assertThat(matching(p, "{\"attribute\": \"first_name\", \"op\": \"starts_with\", \"value\": \"ca\"}"))
                .containsExactly("c");
        assertThat(matching(p, "{\"attribute\": \"" + level + "\", \"op\": \"eq\", \"value\": \"gold\"}"))
                .containsExactly("a");
        assertThat(matching(p, "{\"attribute\": \"" + points + "\", \"op\": \"gte\", \"value\": 100}"))
                .containsExactly("a");
        assertThat(matching(p, "{\"attribute\": \"" + points + "\", \"op\": \"lt\", \"value\": 100}"))
                .containsExactly("b");
        assertThat(matching(p, "{\"attribute\": \"" + points + "\", \"op\": \"between\", \"value\": [80, 120]}"))
                .containsExactly("a", "b");
        assertThat(matching(p, "{\"attribute\": \"" + opted + "\", \"op\": \"eq\", \"value\": false}"))
                .containsExactly("b");
        assertThat(matching(p, "{\"or\": [{\"attribute\": \"" + opted + "\", \"op\": \"eq\", \"value\": true},"
                + " {\"attribute\": \"" + points + "\", \"op\": \"is_null\"}]}")).containsExactly("a", "c");

        // The single-contact evaluation agrees.
        assertThat(matches(p, "a", "{\"attribute\": \"country\", \"op\": \"eq\", \"value\": \"NL\"}")).isTrue();
        assertThat(matches(p, "c", "{\"attribute\": \"country\", \"op\": \"eq\", \"value\": \"NL\"}")).isFalse();
        assertThat(matches(p, "c", "{\"not\": {\"attribute\": \"country\", \"op\": \"eq\", \"value\": \"NL\"}}"))
                .isTrue();

        // An enum value outside the enumeration, a text for a number, an operator the type lacks.
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"attribute\": \"" + level
                + "\", \"op\": \"eq\", \"value\": \"platinum\"}}"), 422, "invalid-input", "rule.value");
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"attribute\": \"" + points
                + "\", \"op\": \"gt\", \"value\": \"many\"}}"), 422, "invalid-input", "rule.value");
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"attribute\": \"" + opted
                + "\", \"op\": \"gt\", \"value\": true}}"), 422, "invalid-input", "rule.op");
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"attribute\": \"country\", \"op\": \"eq\","
                + " \"value\": null}}"), 422, "invalid-input", "rule.value");
    }

    // ---- dates ----------------------------------------------------------------------------------------------

    @Test
    void dateRelativeConditionsFollowTheContactsTimeZone() {
        String p = unique("tz");
        String signup = customAttribute("date", "");
        // 12:00 UTC on 1 March 2026: already 2 March in Auckland (UTC+13), still 1 March in Los Angeles (UTC-8).
        clock.set(Instant.parse("2026-03-01T12:00:00Z"));
        contact(p + "-nz", "{\"timeZone\": \"Pacific/Auckland\", \"birthDate\": \"1990-03-02\", \"attributes\": {\""
                + signup + "\": \"2026-02-27\"}}");
        contact(p + "-la", "{\"timeZone\": \"America/Los_Angeles\", \"birthDate\": \"1990-03-01\","
                + " \"attributes\": {\"" + signup + "\": \"2026-02-27\"}}");
        contact(p + "-utc", "{\"birthDate\": \"1985-03-01\", \"attributes\": {\"" + signup + "\": \"2026-02-26\"}}");
        // A zone stored as a UTC offset counts east-positive, as ISO 8601 (not with PostgreSQL's POSIX sign).
        contact(p + "-off", "{\"timeZone\": \"+13:00\", \"birthDate\": \"1990-03-02\", \"attributes\": {\""
                + signup + "\": \"2026-02-27\"}}");

        assertThat(matching(p, "{\"attribute\": \"birthDate\", \"op\": \"anniversary\"}"))
                .containsExactly("la", "nz", "off", "utc");
        assertThat(matching(p, "{\"attribute\": \"birth_date\", \"op\": \"anniversary\", \"value\": 36}"))
                .containsExactly("la", "nz", "off");
        assertThat(matching(p, "{\"attribute\": \"birth_date\", \"op\": \"anniversary\", \"value\": 41}"))
                .containsExactly("utc");
        assertThat(matching(p, "{\"attribute\": \"" + signup + "\", \"op\": \"days_ago\", \"value\": 2}"))
                .as("27 Feb is 2 days before 1 March (LA) and 3 before 2 March (Auckland)").containsExactly("la");
        assertThat(matching(p, "{\"attribute\": \"" + signup + "\", \"op\": \"days_ago\", \"value\": 3}"))
                .as("no zone: the default (UTC) calendar, 1 March").containsExactly("nz", "off", "utc");
        assertThat(matching(p, "{\"attribute\": \"" + signup + "\", \"op\": \"in_last_days\", \"value\": 2}"))
                .containsExactly("la");
        assertThat(matching(p, "{\"attribute\": \"" + signup + "\", \"op\": \"more_than_days_ago\", \"value\": 2}"))
                .containsExactly("nz", "off", "utc");

        // Moving the clock moves "today", per zone.
        clock.set(Instant.parse("2026-03-02T03:00:00Z"));
        assertThat(matching(p, "{\"attribute\": \"birthDate\", \"op\": \"anniversary\"}"))
                .as("1 March 19:00 in LA, 2 March 16:00 in Auckland, 2 March in UTC").containsExactly("la", "nz", "off");
        clock.set(Instant.parse("2026-03-02T09:00:00Z"));
        assertThat(matching(p, "{\"attribute\": \"birthDate\", \"op\": \"anniversary\"}"))
                .as("2 March 01:00 in LA").containsExactly("nz", "off");
        assertThat(matches(p, "la", "{\"attribute\": \"birthDate\", \"op\": \"anniversary\"}")).isFalse();
    }

    @Test
    void moreThanDaysAgoHoldsAtTheThresholdInTheFarthestZones() {
        String p = unique("far");
        String day = customAttribute("date", "");
        // 12:00 UTC on 1 March: 2 March in Kiritimati (+14) and at +18:00, 1 March at UTC-12, 28 Feb at -18:00.
        clock.set(Instant.parse("2026-03-01T12:00:00Z"));
        contact(p + "-k27", "{\"timeZone\": \"Pacific/Kiritimati\", \"attributes\": {\"" + day + "\": \"2026-02-27\"}}");
        contact(p + "-k28", "{\"timeZone\": \"Pacific/Kiritimati\", \"attributes\": {\"" + day + "\": \"2026-02-28\"}}");
        contact(p + "-p27", "{\"timeZone\": \"+18:00\", \"attributes\": {\"" + day + "\": \"2026-02-27\"}}");
        contact(p + "-w27", "{\"timeZone\": \"Etc/GMT+12\", \"attributes\": {\"" + day + "\": \"2026-02-27\"}}");
        contact(p + "-m25", "{\"timeZone\": \"-18:00\", \"attributes\": {\"" + day + "\": \"2026-02-25\"}}");
        contact(p + "-m26", "{\"timeZone\": \"-18:00\", \"attributes\": {\"" + day + "\": \"2026-02-26\"}}");

        assertThat(matching(p, "{\"attribute\": \"" + day + "\", \"op\": \"more_than_days_ago\", \"value\": 2}"))
                .as("before local today - 2: 28 Feb in Kiritimati and at +18:00, 27 Feb at UTC-12, 26 Feb at -18:00")
                .containsExactly("k27", "m25", "p27");
        assertThat(matching(p, "{\"not\": {\"attribute\": \"" + day + "\", \"op\": \"more_than_days_ago\","
                + " \"value\": 2}}")).containsExactly("k28", "m26", "w27");
        assertThat(matching(p, "{\"attribute\": \"" + day + "\", \"op\": \"more_than_days_ago\", \"value\": 0}"))
                .as("before local today").containsExactly("k27", "k28", "m25", "m26", "p27", "w27");
    }

    @Test
    void leapDayBirthdaysAreCelebratedOnTheTwentyEighthInCommonYears() {
        String p = unique("leap");
        contact(p + "-leap", "{\"timeZone\": \"America/Los_Angeles\", \"birthDate\": \"2000-02-29\"}");
        contact(p + "-mar1", "{\"timeZone\": \"America/Los_Angeles\", \"birthDate\": \"2000-03-01\"}");
        contact(p + "-feb28", "{\"timeZone\": \"America/Los_Angeles\", \"birthDate\": \"2000-02-28\"}");
        String anniversary = "{\"attribute\": \"birthDate\", \"op\": \"anniversary\"}";

        clock.set(Instant.parse("2026-02-28T20:00:00Z")); // 28 Feb in LA, a common year
        assertThat(matching(p, anniversary)).containsExactly("feb28", "leap");
        assertThat(matching(p, "{\"attribute\": \"birthDate\", \"op\": \"anniversary\", \"value\": 26}"))
                .containsExactly("feb28", "leap");
        clock.set(Instant.parse("2026-03-01T20:00:00Z"));
        assertThat(matching(p, anniversary)).containsExactly("mar1");
        clock.set(Instant.parse("2028-02-28T20:00:00Z")); // a leap year: the 29th exists
        assertThat(matching(p, anniversary)).containsExactly("feb28");
        clock.set(Instant.parse("2028-02-29T20:00:00Z"));
        assertThat(matching(p, anniversary)).containsExactly("leap");
        assertThat(matches(p, "leap", anniversary)).isTrue();
    }

    @Test
    void timestampWindowsIncludeTheirBoundaryInstant() {
        String p = unique("edge");
        String seen = customAttribute("timestamp", "");
        Instant now = Instant.parse("2026-06-15T08:00:00Z");
        clock.set(now);
        contact(p + "-at", "{\"attributes\": {\"" + seen + "\": \"" + now.minus(Duration.ofDays(7)) + "\"}}");
        contact(p + "-before", "{\"attributes\": {\"" + seen + "\": \"" + now.minus(Duration.ofDays(7))
                .minusSeconds(1) + "\"}}");
        contact(p + "-none", "{}");
        // 14 June 13:00 UTC is 15 June 01:00 in Auckland (today there: 15 June 20:00), 14 June 06:00 in LA
        // (today there: 15 June 01:00).
        contact(p + "-nz", "{\"timeZone\": \"Pacific/Auckland\", \"attributes\": {\"" + seen
                + "\": \"2026-06-14T13:00:00Z\"}}");
        contact(p + "-la", "{\"timeZone\": \"America/Los_Angeles\", \"attributes\": {\"" + seen
                + "\": \"2026-06-14T13:00:00Z\"}}");
        assertThat(matching(p, "{\"attribute\": \"" + seen + "\", \"op\": \"in_last_days\", \"value\": 7}"))
                .containsExactly("at", "la", "nz");
        assertThat(matching(p, "{\"attribute\": \"" + seen + "\", \"op\": \"more_than_days_ago\", \"value\": 7}"))
                .containsExactly("before");
        assertThat(matching(p, "{\"attribute\": \"" + seen + "\", \"op\": \"lt\", \"value\": \"" + now + "\"}"))
                .containsExactly("at", "before", "la", "nz");
        assertThat(matching(p, "{\"attribute\": \"" + seen + "\", \"op\": \"is_null\"}")).containsExactly("none");
        assertThat(matching(p, "{\"attribute\": \"" + seen + "\", \"op\": \"days_ago\", \"value\": 0}"))
                .containsExactly("nz");
        assertThat(matching(p, "{\"attribute\": \"" + seen + "\", \"op\": \"days_ago\", \"value\": 1}"))
                .containsExactly("la");
        assertThat(matching(p, "{\"attribute\": \"" + seen + "\", \"op\": \"days_ago\", \"value\": 7}"))
                .as("no zone: UTC; a second apart, the same calendar day").containsExactly("at", "before");
        clock.advance(Duration.ofSeconds(1));
        assertThat(matching(p, "{\"attribute\": \"" + seen + "\", \"op\": \"in_last_days\", \"value\": 7}"))
                .as("a second later the boundary has passed").containsExactly("la", "nz");
    }

    // ---- rows -----------------------------------------------------------------------------------------------

    private String[] shop() {
        String products = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "sku",
                 "attributes": [{"name": "sku", "type": "text"}, {"name": "category", "type": "text"}]}
                """.formatted(unique("products")));
        String orders = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "text"}, {"name": "ordered_at", "type": "timestamp"},
                   {"name": "total", "type": "decimal"},
                   {"name": "status", "type": "enum", "enumValues": ["paid", "cancelled"]}]}
                """.formatted(unique("orders")));
        String lines = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "line_id", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "line_id", "type": "text"}, {"name": "ordered_at", "type": "timestamp"},
                   {"name": "product", "type": "text", "references": "%s"}, {"name": "quantity", "type": "integer"}]}
                """.formatted(unique("lines"), products));
        return new String[] {products, orders, lines};
    }

    private void order(String orders, String contact, String no, String at, String total, String status) {
        row(orders, contact, "{\"order_no\": \"" + no + "\", \"ordered_at\": \"" + at + "\", \"total\": " + total
                + ", \"status\": \"" + status + "\"}");
    }

    @Test
    void aggregatesOfOneAndOverTheSameRowsAreComputedInOnePassWithTheSameMeaning() {
        String p = unique("merge");
        String orders = shop()[1];
        clock.set(Instant.parse("2026-05-31T12:00:00Z"));
        for (String c : List.of("a", "b", "none")) {
            contact(p + "-" + c, "{}");
        }
        order(orders, p + "-a", p + "-1", "2026-05-01T10:00:00Z", "100.00", "paid");
        order(orders, p + "-a", p + "-2", "2026-05-20T10:00:00Z", "150.50", "paid");
        order(orders, p + "-a", p + "-3", "2026-05-30T10:00:00Z", "999", "cancelled");
        order(orders, p + "-b", p + "-4", "2025-01-10T10:00:00Z", "500", "paid");
        order(orders, p + "-b", p + "-5", "2026-05-25T10:00:00Z", "20", "paid");
        String paidThisYear = "\"where\": {\"attribute\": \"status\", \"op\": \"eq\", \"value\": \"paid\"},"
                + " \"window\": {\"lastDays\": 365}";
        java.util.function.BiFunction<String, String, String> aggregate = (fn, test) -> "{\"aggregate\": {\"table\": \""
                + orders + "\", \"fn\": \"" + fn + "\"" + (fn.equals("count") ? "" : ", \"column\": \"total\"") + ", "
                + paidThisYear + "}, " + test + "}";
        String sum200 = aggregate.apply("sum", "\"op\": \"gte\", \"value\": 200");
        String count2 = aggregate.apply("count", "\"op\": \"gte\", \"value\": 2");
        String allTime3 = "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"count\"}, \"op\": \"gte\","
                + " \"value\": 3}";

        String pair = "{\"and\": [" + sum200 + ", " + count2 + "]}";
        assertThat(matching(p, pair)).containsExactly("a");
        assertThat(matching(p, "{\"not\": " + pair + "}")).containsExactly("b", "none");
        // Parameters stay in the order of the text: two ranges that only b satisfies, each in its own place.
        String ranges = "{\"and\": [" + aggregate.apply("count", "\"op\": \"between\", \"value\": [1, 1]") + ", "
                + aggregate.apply("sum", "\"op\": \"between\", \"value\": [15, 25]") + "]}";
        assertThat(matching(p, ranges)).containsExactly("b");
        assertThat(matches(p, "b", ranges)).isTrue();
        // An aggregate over other rows in between is its own pass; the two over the same rows are one.
        String mixed = "{\"and\": [" + sum200 + ", " + allTime3 + ", " + count2 + "]}";
        assertThat(matching(p, mixed)).containsExactly("a");
        assertThat(matches(p, "a", mixed)).isTrue();
        assertThat(matches(p, "b", mixed)).isFalse();
        String sql = targeting.validate(JSON.readTree(mixed), "rule", false).condition();
        assertThat(sql.split("group by", -1)).as(sql).hasSize(3);
    }

    @Test
    void aggregatesOverAWindowWithARowFilter() {
        String p = unique("agg");
        String orders = shop()[1];
        clock.set(Instant.parse("2026-05-31T12:00:00Z"));
        for (String c : List.of("a", "b", "none")) {
            contact(p + "-" + c, "{}");
        }
        order(orders, p + "-a", p + "-1", "2026-05-01T10:00:00Z", "100.00", "paid");
        order(orders, p + "-a", p + "-2", "2026-05-20T10:00:00Z", "150.50", "paid");
        order(orders, p + "-a", p + "-3", "2026-05-30T10:00:00Z", "999", "cancelled");
        order(orders, p + "-b", p + "-4", "2025-01-10T10:00:00Z", "500", "paid");
        order(orders, p + "-b", p + "-5", "2026-05-25T10:00:00Z", "20", "paid");
        String paid = "\"where\": {\"attribute\": \"status\", \"op\": \"eq\", \"value\": \"paid\"}";
        String year = "\"window\": {\"lastDays\": 365}";

        String sum = "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"sum\", \"column\": \"total\", "
                + paid + ", " + year + "}, \"op\": \"gte\", \"value\": 200}";
        assertThat(matching(p, sum)).containsExactly("a");
        assertThat(matches(p, "a", sum)).isTrue();
        assertThat(matches(p, "b", sum)).isFalse();
        assertThat(matching(p, "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"count\", " + paid + ", "
                + year + "}, \"op\": \"eq\", \"value\": 2}")).containsExactly("a");
        // Aggregates over no rows: count is 0 (so "< 1" and "= 0" match), the others are NULL (never match).
        String none = "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"count\"}, \"op\": \"lt\", \"value\": 1}";
        assertThat(matching(p, none)).containsExactly("none");
        assertThat(matches(p, "none", none)).isTrue();
        assertThat(matching(p, "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"count\", " + paid + "},"
                + " \"op\": \"lte\", \"value\": 2}")).containsExactly("a", "b", "none");
        assertThat(matching(p, "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"sum\", \"column\": \"total\"},"
                + " \"op\": \"lt\", \"value\": 100000}")).containsExactly("a", "b");
        assertThat(matching(p, "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"avg\", \"column\": \"total\", "
                + paid + "}, \"op\": \"gt\", \"value\": 200}")).containsExactly("b");
        assertThat(matching(p, "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"min\", \"column\":"
                + " \"ordered_at\"}, \"op\": \"lt\", \"value\": \"2026-01-01T00:00:00Z\"}")).containsExactly("b");
        assertThat(matching(p, "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"max\", \"column\": \"total\", "
                + year + "}, \"op\": \"between\", \"value\": [20, 20]}")).containsExactly("b");
        String last = "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"last\", \"column\": \"status\"},"
                + " \"op\": \"eq\", \"value\": \"cancelled\"}";
        assertThat(matching(p, last)).containsExactly("a");
        assertThat(matches(p, "a", last)).isTrue();
        assertThat(matches(p, "b", last)).isFalse();
        assertThat(matching(p, "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"count\", \"window\":"
                + " {\"from\": \"2025-01-01\", \"to\": \"2025-12-31\"}}, \"op\": \"gte\", \"value\": 1}"))
                .containsExactly("b");

        // A window since the journey started: for journey conditions only, with the start in the context.
        String since = "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"count\", \"window\":"
                + " {\"since\": \"journeyStart\"}}, \"op\": \"gte\", \"value\": 1}";
        long b = get("/api/v1/contacts/" + p + "-b").json().get("id").longValue();
        assertThat(targeting.matches(JSON.readTree(since), b, Map.of("journeyStart",
                Instant.parse("2026-05-20T00:00:00Z")))).isTrue();
        assertThat(targeting.matches(JSON.readTree(since), b, Map.of("journeyStart",
                Instant.parse("2026-05-26T00:00:00Z")))).isFalse();
        assertThatThrownBy(() -> targeting.matches(JSON.readTree(since), b, Map.of()))
                .isInstanceOf(InvalidInputException.class);
        // Compiled once, evaluated for several contacts (as a journey step does).
        var compiled = targeting.compileForContact(JSON.readTree(since), "steps[1].rule");
        long a = get("/api/v1/contacts/" + p + "-a").json().get("id").longValue();
        long nobody = get("/api/v1/contacts/" + p + "-none").json().get("id").longValue();
        Map<String, Object> context = Map.of("journeyStart", "2026-05-22T00:00:00Z");
        assertThat(targeting.matches(compiled, a, context)).isTrue();
        assertThat(targeting.matches(compiled, b, context)).isTrue();
        assertThat(targeting.matches(compiled, nobody, context)).isFalse();
        InvalidInputException bad = org.assertj.core.api.Assertions.catchThrowableOfType(InvalidInputException.class,
                () -> targeting.compileForContact(JSON.readTree("{\"aggregate\": {\"table\": \"" + orders
                        + "\", \"fn\": \"count\", \"window\": {\"lastDays\": \"x\"}}, \"op\": \"gte\","
                        + " \"value\": 1}"), "steps[1].rule"));
        assertThat(bad.errors().get(0).field()).isEqualTo("steps[1].rule.aggregate.window.lastDays");
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": " + since + "}"), 422, "invalid-input", "rule");

        // Problems name the field by its path.
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"and\": [{\"attribute\": \"country\", \"op\":"
                + " \"is_null\"}, {\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"count\", \"window\":"
                + " {\"lastDays\": -3}}, \"op\": \"gte\", \"value\": 1}]}}"), 422, "invalid-input",
                "rule.and[1].aggregate.window.lastDays");
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"aggregate\": {\"table\": \"" + orders
                + "\", \"fn\": \"sum\", \"column\": \"status\"}, \"op\": \"gte\", \"value\": 1}}"), 422,
                "invalid-input", "rule.aggregate.column");
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"aggregate\": {\"table\": \"" + orders
                + "\", \"fn\": \"count\", \"where\": {\"attribute\": \"colour\", \"op\": \"eq\", \"value\": \"red\"}},"
                + " \"op\": \"gte\", \"value\": 1}}"), 422, "invalid-input", "rule.aggregate.where.attribute");
    }

    @Test
    void existsAndJoinsThroughAReferenceTable() {
        String p = unique("join");
        String[] shop = shop();
        String products = shop[0];
        String lines = shop[2];
        clock.set(Instant.parse("2026-05-31T12:00:00Z"));
        row(products, null, "{\"sku\": \"" + p + "-lego\", \"category\": \"toys\"}");
        row(products, null, "{\"sku\": \"" + p + "-book\", \"category\": \"books\"}");
        for (String c : List.of("toys", "books", "twotoys", "none")) {
            contact(p + "-" + c, "{}");
        }
        row(lines, p + "-toys", "{\"line_id\": \"" + p + "-1\", \"ordered_at\": \"2026-05-30T10:00:00Z\","
                + " \"product\": \"" + p + "-lego\", \"quantity\": 1}");
        row(lines, p + "-books", "{\"line_id\": \"" + p + "-2\", \"ordered_at\": \"2026-05-30T10:00:00Z\","
                + " \"product\": \"" + p + "-book\", \"quantity\": 3}");
        row(lines, p + "-twotoys", "{\"line_id\": \"" + p + "-3\", \"ordered_at\": \"2026-05-01T10:00:00Z\","
                + " \"product\": \"" + p + "-lego\", \"quantity\": 1}");
        row(lines, p + "-twotoys", "{\"line_id\": \"" + p + "-4\", \"ordered_at\": \"2026-05-29T10:00:00Z\","
                + " \"product\": \"" + p + "-lego\", \"quantity\": 2}");
        String toys = "\"where\": {\"attribute\": \"product.category\", \"op\": \"eq\", \"value\": \"toys\"}";

        assertThat(matching(p, "{\"exists\": {\"table\": \"" + lines + "\", " + toys + "}}"))
                .containsExactly("toys", "twotoys");
        assertThat(matching(p, "{\"exists\": {\"table\": \"" + lines + "\"}}")).containsExactly("books", "toys", "twotoys");
        assertThat(matching(p, "{\"not\": {\"exists\": {\"table\": \"" + lines + "\"}}}")).containsExactly("none");
        assertThat(matching(p, "{\"exists\": {\"table\": \"" + lines + "\", " + toys + ", \"window\": {\"lastDays\":"
                + " 7}}}")).containsExactly("toys", "twotoys");
        assertThat(matching(p, "{\"aggregate\": {\"table\": \"" + lines + "\", \"fn\": \"sum\", \"column\":"
                + " \"quantity\", " + toys + "}, \"op\": \"gte\", \"value\": 3}")).containsExactly("twotoys");
        assertThat(matches(p, "twotoys", "{\"aggregate\": {\"table\": \"" + lines + "\", \"fn\": \"count\", " + toys
                + "}, \"op\": \"gte\", \"value\": 2}")).isTrue();

        // A path through something that is not a relation, or to an attribute the reference table lacks.
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"exists\": {\"table\": \"" + lines + "\","
                + " \"where\": {\"attribute\": \"quantity.category\", \"op\": \"eq\", \"value\": \"x\"}}}}"), 422,
                "invalid-input", "rule.exists.where.attribute");
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"exists\": {\"table\": \"" + lines + "\","
                + " \"where\": {\"attribute\": \"product.colour\", \"op\": \"eq\", \"value\": \"x\"}}}}"), 422,
                "invalid-input", "rule.exists.where.attribute");
        assertProblem(post("/api/v1/segments/validate", "{\"rule\": {\"exists\": {\"table\": \"" + products + "\"}}}"),
                422, "invalid-input", "rule.exists.table");
    }

    @Test
    void consentRfmAndInterestConditions() {
        // The tables are the customer-value feature's (V5); rows are written directly to test the rules alone.
        String p = unique("cv");
        contact(p + "-yes", "{}");
        contact(p + "-no", "{}");
        long yes = get("/api/v1/contacts/" + p + "-yes").json().get("id").longValue();
        long no = get("/api/v1/contacts/" + p + "-no").json().get("id").longValue();
        String model = unique("rfm");
        jdbc.update("insert into contact_consents (contact_id, channel, purpose, status, changed_at, source) values"
                + " (?, 'email', 'marketing', 'granted', now(), 'test'),"
                + " (?, 'email', 'marketing', 'withdrawn', now(), 'test')", yes, no);
        jdbc.update("insert into rfm_models (name, definition, created_at) values (?, '{}', now())", model);
        jdbc.update("insert into rfm_scores (model, contact_id, last_purchase, frequency, monetary, r, f, m, rfm_group,"
                + " computed_at) values (?, ?, current_date - 1, 9, 900, 5, 5, 5, 'Champions', now()),"
                + " (?, ?, current_date - 200, 1, 10, 1, 1, 1, 'At Risk', now())", model, yes, model, no);
        jdbc.update("insert into contact_interests (contact_id, interest, weight, profile, signals, computed_at)"
                + " values (?, 'toys', 0.8, 'primary', 3, now()), (?, 'toys', 0.1, 'primary', 1, now()),"
                + " (?, 'toys', 0.9, 'secondary', 2, now())", yes, no, no);

        assertThat(matching(p, "{\"consent\": {\"channel\": \"email\", \"purpose\": \"marketing\"}}"))
                .containsExactly("yes");
        assertThat(matching(p, "{\"rfm\": {\"model\": \"" + model + "\", \"group\": \"Champions\"}}"))
                .containsExactly("yes");
        assertThat(matching(p, "{\"rfm\": {\"group\": \"Champions\"}}")).as("the model 'default'").isEmpty();
        assertThat(matching(p, "{\"interest\": \"toys\", \"op\": \"gte\", \"value\": 0.3}")).containsExactly("yes");
        assertThat(matching(p, "{\"interest\": \"toys\", \"op\": \"lt\", \"value\": 0.3}")).containsExactly("no");
        assertThat(matching(p, "{\"interest\": \"toys\", \"profile\": \"secondary\", \"op\": \"gte\","
                + " \"value\": 0.3}")).containsExactly("no");
        assertThat(matches(p, "no", "{\"consent\": {\"channel\": \"email\", \"purpose\": \"marketing\"}}")).isFalse();
        // The model row has no real definition: leave no trace for the scheduled recompute of every model.
        jdbc.update("delete from rfm_models where name = ?", model);
    }

    // ---- injection ------------------------------------------------------------------------------------------

    @Test
    void injectionThroughValuesIsDataAndThroughIdentifiersAProblem() {
        String p = unique("inj");
        String orders = shop()[1];
        contact(p + "-a", "{\"firstName\": \"Robert'); DROP TABLE students;--\"}");
        Long before = jdbc.queryForObject("select count(*) from contacts", Long.class);

        List<String> values = List.of("'; drop table contacts; --", "1 or 1=1", "\" or \"\"=\"", "x') or ('a'='a",
                "\u2019; drop table contacts; --", "$$; drop table contacts; $$", "\\'; select pg_sleep(5); --");
        for (String value : values) {
            String v = JSON.writeValueAsString(value);
            assertThat(matching(p, "{\"attribute\": \"first_name\", \"op\": \"eq\", \"value\": " + v + "}"))
                    .as(value).isEmpty();
            assertThat(matching(p, "{\"attribute\": \"first_name\", \"op\": \"contains\", \"value\": " + v + "}"))
                    .as(value).isEmpty();
            assertThat(matching(p, "{\"attribute\": \"first_name\", \"op\": \"in\", \"value\": [" + v + "]}"))
                    .as(value).isEmpty();
            assertProblem(post("/api/v1/segments/preview", "{\"rule\": {\"aggregate\": {\"table\": \"" + orders
                    + "\", \"fn\": \"sum\", \"column\": \"total\"}, \"op\": \"gt\", \"value\": " + v + "}}"), 422,
                    "invalid-input", "rule.value");
        }
        assertThat(matching(p, "{\"attribute\": \"first_name\", \"op\": \"contains\", \"value\": \"drop table\"}"))
                .as("the stored text is found as text").containsExactly("a");

        List<String> identifiers = List.of("orders; drop table contacts", "\"x\"", "contacts\" --", "x\u201d; drop",
                "pg_catalog.pg_class", "first_name) or (1=1", "ORDERS", "../contacts", "");
        for (String id : identifiers) {
            String i = JSON.writeValueAsString(id);
            assertProblem(post("/api/v1/segments/preview", "{\"rule\": {\"attribute\": " + i
                    + ", \"op\": \"is_null\"}}"), 422, "invalid-input", "rule.attribute");
            assertProblem(post("/api/v1/segments/preview", "{\"rule\": {\"exists\": {\"table\": " + i + "}}}"), 422,
                    "invalid-input", "rule.exists.table");
            assertProblem(post("/api/v1/segments/preview", "{\"rule\": {\"aggregate\": {\"table\": \"" + orders
                    + "\", \"fn\": \"max\", \"column\": " + i + "}, \"op\": \"gt\", \"value\": 1}}"), 422,
                    "invalid-input", "rule.aggregate.column");
        }
        assertProblem(post("/api/v1/segments/preview", "{\"rule\": {\"attribute\": \"country\", \"op\": \"= 1 or\","
                + " \"value\": \"NL\"}}"), 422, "invalid-input", "rule.op");
        assertProblem(post("/api/v1/segments/preview", "{\"rule\": {\"aggregate\": {\"table\": \"" + orders
                + "\", \"fn\": \"count(*) from contacts; --\"}, \"op\": \"gt\", \"value\": 1}}"), 422,
                "invalid-input", "rule.aggregate.fn");
        assertProblem(post("/api/v1/segments", "{\"name\": \"x'; drop table segments; --\", \"rule\": {\"attribute\":"
                + " \"country\", \"op\": \"is_null\"}}"), 422, "invalid-input", "name");

        assertThat(jdbc.queryForObject("select count(*) from contacts", Long.class)).isEqualTo(before);
        assertThat(jdbc.queryForObject("select to_regclass('public.segments') is not null", Boolean.class)).isTrue();
    }
}
