package io.activation.template;

/**
 * A small shop for template tests: products (reference), orders and their lines, cart items, a marketer-defined
 * contact attribute, and five customers. Ann's order O1 holds P1 and P2; Bob bought P1 and P3, Cas P1, P3 and P4,
 * Dirk P2 and P5, Eva only P9: "bought this, also bought" for O1 is P3 (2 buyers), then P4 and P5 (1 each).
 */
public record Shop(String prefix, String products, String orders, String lines, String cart, String tier,
        String ann) {

    /** Builds the shop through the API of {@code test}. */
    static Shop create(ShopTest api, String prefix) {
        String products = api.define("""
                {"name": "%s_products", "kind": "REFERENCE", "businessKey": "sku",
                 "attributes": [{"name": "sku", "type": "TEXT"}, {"name": "name", "type": "TEXT"},
                   {"name": "price", "type": "DECIMAL"}]}""".formatted(prefix));
        String orders = api.define("""
                {"name": "%s_orders", "kind": "INTERACTION", "businessKey": "order_no",
                 "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "total", "type": "DECIMAL"}]}"""
                .formatted(prefix));
        String lines = api.define("""
                {"name": "%s_lines", "kind": "INTERACTION", "businessKey": "line_id",
                 "attributes": [{"name": "line_id", "type": "TEXT"},
                   {"name": "order_no", "type": "TEXT", "references": "%s"},
                   {"name": "product", "type": "TEXT", "references": "%s"},
                   {"name": "quantity", "type": "INTEGER"}]}""".formatted(prefix, orders, products));
        String cart = api.define("""
                {"name": "%s_cart", "kind": "INTERACTION", "businessKey": "item_id",
                 "attributes": [{"name": "item_id", "type": "TEXT"},
                   {"name": "product", "type": "TEXT", "references": "%s"}]}""".formatted(prefix, products));
        String tier = prefix + "_loyalty_tier";
        api.postJson("/api/v1/tables/contacts/attributes", "{\"name\": \"" + tier + "\", \"type\": \"TEXT\"}")
                .expect(201);
        api.postJson("/api/v1/tables/" + products + "/rows/batch", """
                {"items": [{"values": {"sku": "P1", "name": "Kettle", "price": 19.95}},
                           {"values": {"sku": "P2", "name": "Mug", "price": 4.5}},
                           {"values": {"sku": "P3", "name": "Teapot", "price": 24}},
                           {"values": {"sku": "P4", "name": "Tea towel", "price": 6}},
                           {"values": {"sku": "P5", "name": "Coaster", "price": 2}},
                           {"values": {"sku": "P9", "name": "Spade", "price": 30}}]}""").expect(200);
        String ann = prefix + "_ann";
        api.putJson("/api/v1/contacts/" + ann, """
                {"firstName": "Ann", "email": "ann@example.com", "phone": "+31612345678",
                 "attributes": {"%s": "gold"}}""".formatted(tier)).expect(201);
        api.postJson("/api/v1/tables/" + orders + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"order_no": "%s-O1", "total": 28.95}}"""
                .formatted(ann, prefix)).expect(201);
        StringBuilder items = new StringBuilder();
        line(items, ann, prefix + "-O1", "P1", 1);
        line(items, ann, prefix + "-O1", "P2", 2);
        String[][] others = {{"bob", "P1", "P3"}, {"cas", "P1", "P3", "P4"}, {"dirk", "P2", "P5"}, {"eva", "P9"}};
        for (String[] other : others) {
            for (int i = 1; i < other.length; i++) {
                line(items, prefix + "_" + other[0], null, other[i], 1);
            }
        }
        api.postJson("/api/v1/tables/" + lines + "/rows/batch", "{\"items\": [" + items + "]}").expect(200);
        api.postJson("/api/v1/tables/" + cart + "/rows/batch", """
                {"items": [{"contact": {"externalId": "%s"}, "values": {"item_id": "%s-c1", "product": "P3"}},
                           {"contact": {"externalId": "%s"}, "values": {"item_id": "%s-c2", "product": "P4"}}]}"""
                .formatted(ann, prefix, ann, prefix)).expect(200);
        return new Shop(prefix, products, orders, lines, cart, tier, ann);
    }

    private static void line(StringBuilder items, String contact, String order, String product, int quantity) {
        if (!items.isEmpty()) {
            items.append(',');
        }
        items.append("""
                {"contact": {"externalId": "%s"}, "values": {"line_id": "%s-%s-%s", "order_no": %s,
                 "product": "%s", "quantity": %d}}""".formatted(contact, contact, order, product,
                order == null ? "null" : "\"" + order + "\"", product, quantity));
    }

    /** The order trigger as a journey stores it: the row event's data. */
    public String orderTrigger() {
        return """
                {"trigger": {"table": "%s", "key": "%s-O1", "values": {"order_no": "%s-O1", "total": 28.95}}}"""
                .formatted(orders, prefix, prefix);
    }
}
