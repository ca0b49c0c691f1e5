package io.activation.api.value;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Interest profiles with a 30-day half-life at 2024-12-01 (a signal 30 days old counts 0.5, 60 days 0.25), and the
 * secondary profile: toys bought only in November by A are gifts by rule, B also buys toys in June so his are
 * his own, C's garden purchase carries the gift flag. RFM on the same lines leaves the secondary purchases out.
 */
class InterestApiTest extends ApiTest {

    @Test
    void clicksAndPurchasesBuildWeightedProfilesAndGiftsGoToTheSecondaryProfile() {
        clock.set(Instant.parse("2024-12-01T00:00:00Z"));
        String prefix = unique("i");
        String products = defineTable("""
                {"name": "%s_products", "kind": "REFERENCE", "businessKey": "stock_code",
                 "attributes": [{"name": "stock_code", "type": "TEXT"}, {"name": "category", "type": "TEXT"}]}"""
                .formatted(prefix));
        String lines = defineTable("""
                {"name": "%s_lines", "kind": "INTERACTION", "businessKey": "line_id", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "line_id", "type": "TEXT"},
                   {"name": "product", "type": "TEXT", "references": "%s"},
                   {"name": "ordered_at", "type": "TIMESTAMP"}, {"name": "gift", "type": "BOOLEAN"},
                   {"name": "cancelled", "type": "BOOLEAN"}, {"name": "quantity", "type": "INTEGER"},
                   {"name": "price", "type": "DECIMAL"}]}""".formatted(prefix, products));
        post("/api/v1/tables/" + products + "/rows/batch", """
                {"items": [{"values": {"stock_code": "T1", "category": "Toys"}},
                           {"values": {"stock_code": "B1", "category": "books"}},
                           {"values": {"stock_code": "G1", "category": "garden"}}]}""").expect(200);
        String a = prefix + "_a";
        String b = prefix + "_b";
        String c = prefix + "_c";
        List<String> items = new ArrayList<>();
        items.add(line(a, "a1", "T1", "2023-11-01T00:00:00Z", false, false, 30));
        items.add(line(a, "a2", "T1", "2024-11-01T00:00:00Z", false, false, 40));
        items.add(line(a, "a3", "B1", "2024-10-02T00:00:00Z", false, false, 10));
        items.add(line(a, "a4", "T1", "2024-05-01T00:00:00Z", false, true, 50));
        items.add(line(b, "b1", "T1", "2024-11-01T00:00:00Z", false, false, 20));
        items.add(line(b, "b2", "T1", "2024-06-04T00:00:00Z", false, false, 20));
        items.add(line(c, "c1", "G1", "2024-11-01T00:00:00Z", true, false, 70));
        items.add(line(c, "c2", "B1", "2024-12-01T00:00:00Z", false, false, 15));
        assertThat(post("/api/v1/tables/" + lines + "/rows/batch", "{\"items\": [" + String.join(",", items) + "]}")
                .expect(200).json().get("rejected").intValue()).isZero();
        String clicked = unique("clicked");
        post("/api/v1/events", """
                {"type": "%s", "contact": {"externalId": "%s"}, "occurredAt": "2024-12-01T00:00:00Z",
                 "properties": {"url": "https://shop.example/books", "tags": ["Books", " travel "]}}"""
                .formatted(clicked, a)).expect(202);

        JsonNode settings = put("/api/v1/interests/settings", """
                {"clicks": {"eventTypes": ["%s"]},
                 "purchases": {"table": "%s", "category": "product.category", "date": "ordered_at",
                               "exclude": [{"attribute": "cancelled", "op": "eq", "value": true}], "giftFlag": "gift"},
                 "secondaryRules": [{"category": "Toys", "months": [12, 11]}], "halfLifeDays": 30}"""
                .formatted(clicked, lines)).expect(200).json();
        assertThat(settings.at("/secondaryRules/0/category").stringValue()).isEqualTo("toys");
        assertThat(settings.at("/clicks/tagsProperty").stringValue()).isEqualTo("tags");
        JsonNode done = post("/api/v1/interests/recompute", null).expect(200).json();
        assertThat(done.get("secondaryPurchases").intValue()).isEqualTo(3);

        JsonNode profileA = get("/api/v1/contacts/" + a + "/interests").expect(200).json();
        assertThat(weights(profileA.get("primary"))).isEqualTo("books=1.00000 travel=0.80000");
        assertThat(weights(profileA.get("secondary"))).isEqualTo("toys=1.00000");
        assertThat(profileA.at("/secondary/0/signals").decimalValue().doubleValue()).isCloseTo(0.500106,
                org.assertj.core.data.Offset.offset(0.000001));
        JsonNode profileB = get("/api/v1/contacts/" + b + "/interests").expect(200).json();
        assertThat(weights(profileB.get("primary"))).isEqualTo("toys=1.00000");
        assertThat(profileB.at("/primary/0/signals").decimalValue().doubleValue()).isCloseTo(0.515625,
                org.assertj.core.data.Offset.offset(0.000001));
        assertThat(profileB.get("secondary")).isEmpty();
        JsonNode profileC = get("/api/v1/contacts/" + c + "/interests?profile=secondary").expect(200).json();
        assertThat(weights(profileC.get("secondary"))).isEqualTo("garden=1.00000");
        assertThat(profileC.has("primary")).isFalse();

        JsonNode secondaryA = get("/api/v1/contacts/" + a + "/secondary-purchases").expect(200).json().get("items");
        assertThat(secondaryA).hasSize(2);
        assertThat(secondaryA.get(0).get("reason").stringValue()).isEqualTo("rule: toys only in months 11, 12");
        assertThat(get("/api/v1/contacts/" + c + "/secondary-purchases").expect(200).json()
                .at("/items/0/reason").stringValue()).isEqualTo("gift flag");

        // RFM on the same lines: A's toys are gifts, so only the book counts.
        post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "ordered_at", "amount": {"multiply": ["quantity", "price"]},
                 "exclude": [{"attribute": "cancelled", "op": "eq", "value": true}]}""".formatted(prefix, lines))
                .expect(201);
        post("/api/v1/rfm-models/" + prefix + "/recompute", null).expect(200);
        JsonNode rfmA = get("/api/v1/rfm-models/" + prefix + "/contacts/" + a).expect(200).json();
        assertThat(rfmA.get("recencyDays").intValue()).isEqualTo(60);
        assertThat(rfmA.get("frequency").intValue()).isEqualTo(1);
        assertThat(rfmA.get("monetary").decimalValue()).isEqualByComparingTo("10");
        JsonNode rfmC = get("/api/v1/rfm-models/" + prefix + "/contacts/" + c).expect(200).json();
        assertThat(rfmC.get("monetary").decimalValue()).isEqualByComparingTo("15");
    }

    @Test
    void badSettingsNameTheirFields() {
        JsonNode problem = put("/api/v1/interests/settings", """
                {"clicks": {"eventTypes": []}, "purchases": {"table": "x"},
                 "secondaryRules": [{"category": "toys", "months": [13]}], "halfLifeDays": -1, "timeZone": "Nowhere"}""")
                .expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactlyInAnyOrder(
                "clicks.eventTypes", "purchases.category", "purchases.date", "secondaryRules[0].months",
                "halfLifeDays", "timeZone");
        assertThat(put("/api/v1/interests/settings", """
                {"purchases": {"table": "%s", "category": "c", "date": "d"}}""".formatted(unique("none")))
                .expect(422).json().at("/errors/0/field").stringValue()).isEqualTo("purchases.table");
        get("/api/v1/contacts/" + unique("nobody") + "/interests").expect(404);
    }

    private static String line(String contact, String id, String product, String at, boolean gift, boolean cancelled,
            int price) {
        return """
                {"contact": {"externalId": "%s"}, "values": {"line_id": "%s", "product": "%s", "ordered_at": "%s",
                 "gift": %s, "cancelled": %s, "quantity": 1, "price": %d}}"""
                .formatted(contact, contact + "-" + id, product, at, gift, cancelled, price);
    }

    private static String weights(JsonNode interests) {
        List<String> parts = new ArrayList<>();
        interests.forEach(i -> parts.add(i.get("interest").stringValue() + "="
                + i.get("weight").decimalValue().setScale(5).toPlainString()));
        return String.join(" ", parts);
    }
}
