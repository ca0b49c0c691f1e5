package io.activation.api.segment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Segment e-commerce events written to the shop's tables by the default mapping of application.yml. The tables are
 * the demo data's (io.activation.web.demo.DemoData, which tests do not load), defined here when no other test has
 * defined them yet; every test uses fresh order, cart and user ids. Payloads follow Segment's V2 e-commerce spec
 * (segmentio/segment-docs src/connections/spec/ecommerce/v2.md).
 */
class SegmentEcommerceApiTest extends SegmentTestSupport {

    @BeforeEach
    void demoTables() {
        ensureTable("orders", """
                {"name": "orders", "kind": "INTERACTION", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "ordered_at", "type": "TIMESTAMP"},
                                {"name": "cancelled", "type": "BOOLEAN"}, {"name": "country", "type": "TEXT"}]}""");
        ensureTable("order_lines", """
                {"name": "order_lines", "kind": "INTERACTION", "businessKey": "line_id",
                 "attributes": [{"name": "line_id", "type": "TEXT"},
                                {"name": "order_no", "type": "TEXT", "required": true},
                                {"name": "stock_code", "type": "TEXT", "required": true},
                                {"name": "quantity", "type": "INTEGER"}, {"name": "unit_price", "type": "DECIMAL"}]}""");
        ensureTable("carts", """
                {"name": "carts", "kind": "INTERACTION", "businessKey": "cart_id", "timeAttribute": "updated_at_shop",
                 "attributes": [{"name": "cart_id", "type": "TEXT"},
                                {"name": "status", "type": "ENUM", "required": true,
                                 "enumValues": ["open", "abandoned", "converted"]},
                                {"name": "value", "type": "DECIMAL"}, {"name": "updated_at_shop", "type": "TIMESTAMP"}]}""");
    }

    @Test
    void orderCompletedWritesTheOrderItsLinesAndConvertsTheCart() {
        String userId = unique("u");
        String orderId = unique("order");
        String cartId = unique("cart");
        // Spec, "Product Added" example (cart_id made unique).
        segment("/v1/track", """
                {"userId": "%s", "event": "Product Added", "timestamp": "2026-02-14T09:20:00.000Z",
                 "properties": {
                  "cart_id": "%s",
                  "product_id": "507f1f77bcf86cd799439011",
                  "sku": "G-32",
                  "category": "Games",
                  "name": "Monopoly: 3rd Edition",
                  "brand": "Hasbro",
                  "variant": "200 pieces",
                  "price": 18.99,
                  "quantity": 1,
                  "coupon": "MAYDEALS",
                  "position": 3,
                  "url": "https://www.example.com/product/path",
                  "image_url": "https://www.example.com/product/path.jpg"
                 }}""".formatted(userId, cartId)).expect(200);
        JsonNode cart = get("/api/v1/tables/carts/rows/" + cartId).expect(200).json();
        assertThat(cart.at("/values/status").stringValue()).isEqualTo("open");
        assertThat(cart.at("/values/updated_at_shop").stringValue()).isEqualTo("2026-02-14T09:20:00Z");

        String messageId = unique("m");
        // Spec, "Order Completed" example (order_id made unique, cart_id added to tie it to the cart above).
        JsonNode answer = segment("/v1/track", """
                {"userId": "%s", "messageId": "%s", "event": "Order Completed",
                 "timestamp": "2026-02-14T09:30:00.000Z",
                 "properties": {
                  "checkout_id": "fksdjfsdjfisjf9sdfjsd9f",
                  "order_id": "%s",
                  "cart_id": "%s",
                  "affiliation": "Google Store",
                  "total": 27.50,
                  "subtotal": 22.50,
                  "revenue": 25.00,
                  "shipping": 3,
                  "tax": 2,
                  "discount": 2.5,
                  "coupon": "hasbros",
                  "currency": "USD",
                  "products": [
                    {
                      "product_id": "507f1f77bcf86cd799439011",
                      "sku": "45790-32",
                      "name": "Monopoly: 3rd Edition",
                      "price": 19,
                      "quantity": 1,
                      "category": "Games",
                      "url": "https://www.example.com/product/path",
                      "image_url": "https:///www.example.com/product/path.jpg"
                    },
                    {
                      "product_id": "505bd76785ebb509fc183733",
                      "sku": "46493-32",
                      "name": "Uno Card Game",
                      "price": 3,
                      "quantity": 2,
                      "category": "Games"
                    }
                  ]
                 }}""".formatted(userId, messageId, orderId, cartId)).expect(200).json();
        assertThat(answer.has("warnings")).isFalse();

        long contactId = get("/api/v1/contacts/" + userId).expect(200).json().get("id").longValue();
        JsonNode order = get("/api/v1/tables/orders/rows/" + orderId).expect(200).json();
        assertThat(order.get("contactId").longValue()).isEqualTo(contactId);
        assertThat(order.at("/values/ordered_at").stringValue()).isEqualTo("2026-02-14T09:30:00Z");
        assertThat(order.at("/values/cancelled").booleanValue()).isFalse();

        JsonNode first = get("/api/v1/tables/order_lines/rows/" + orderId + "-0").expect(200).json();
        assertThat(first.get("contactId").longValue()).isEqualTo(contactId);
        assertThat(first.at("/values/order_no").stringValue()).isEqualTo(orderId);
        assertThat(first.at("/values/stock_code").stringValue()).isEqualTo("507f1f77bcf86cd799439011");
        assertThat(first.at("/values/quantity").longValue()).isEqualTo(1);
        assertThat(first.at("/values/unit_price").decimalValue()).isEqualByComparingTo("19");
        JsonNode second = get("/api/v1/tables/order_lines/rows/" + orderId + "-1").expect(200).json();
        assertThat(second.at("/values/stock_code").stringValue()).isEqualTo("505bd76785ebb509fc183733");
        assertThat(second.at("/values/quantity").longValue()).isEqualTo(2);
        assertThat(second.at("/values/unit_price").decimalValue()).isEqualByComparingTo("3");
        get("/api/v1/tables/order_lines/rows/" + orderId + "-2").expect(404);

        assertThat(get("/api/v1/tables/carts/rows/" + cartId).expect(200).json().at("/values/status").stringValue())
                .isEqualTo("converted");
        StoredEvent event = event(messageId);
        assertThat(event.type()).isEqualTo("order_completed");
        assertThat(event.properties().at("/products/1/name").stringValue()).isEqualTo("Uno Card Game");
    }

    @Test
    void valuesTheTableRefusesAreWarningsAndTheEventIsKept() {
        String orderId = unique("order");
        String messageId = unique("m");
        JsonNode answer = segment("/v1/batch", """
                {"batch": [{"type": "track", "anonymousId": "%s", "messageId": "%s", "event": "Order Completed",
                  "properties": {"order_id": "%s", "products": [
                    {"sku": "A-1", "quantity": "two", "price": "4.50"},
                    {"name": "no id at all", "quantity": 1}
                  ]}}]}""".formatted(unique("anon"), messageId, orderId)).expect(200).json();

        assertThat(answer.get("accepted").intValue()).isEqualTo(1);
        assertThat(answer.get("warnings").findValuesAsString("field")).containsExactly(
                "batch[0].properties.products[0].quantity", "batch[0].properties.products[1]");
        JsonNode line = get("/api/v1/tables/order_lines/rows/" + orderId + "-0").expect(200).json();
        assertThat(line.at("/values/quantity").isNull()).isTrue();
        assertThat(line.at("/values/unit_price").decimalValue()).isEqualByComparingTo("4.50");
        get("/api/v1/tables/order_lines/rows/" + orderId + "-1").expect(404);
        get("/api/v1/tables/orders/rows/" + orderId).expect(200);
        assertThat(event(messageId).type()).isEqualTo("order_completed");
    }

    @Test
    void aMappingStartsWorkingWhenItsTableIsDefinedAndCanDeleteRows() {
        String userId = unique("u");
        String added = """
                {"userId": "%s", "messageId": "%s", "event": "Product Added to Wishlist",
                 "properties": {"wishlist_id": "%s", "product_id": "507f1f77bcf86cd799439011", "sku": "G-32"}}""";
        String wishlistId = unique("wl");
        String key = wishlistId + ":507f1f77bcf86cd799439011";
        if (get("/api/v1/tables/wishlist_items").status() == 404) {
            String early = unique("m");
            segment("/v1/track", added.formatted(userId, early, wishlistId)).expect(200);
            assertThat(event(early).type()).isEqualTo("product_added_to_wishlist");
            ensureTable("wishlist_items", """
                    {"name": "wishlist_items", "kind": "INTERACTION", "businessKey": "wishlist_item_id",
                     "timeAttribute": "added_at",
                     "attributes": [{"name": "wishlist_item_id", "type": "TEXT"},
                                    {"name": "stock_code", "type": "TEXT", "required": true},
                                    {"name": "added_at", "type": "TIMESTAMP"}]}""");
            get("/api/v1/tables/wishlist_items/rows/" + key).expect(404);
        }
        segment("/v1/track", added.formatted(userId, unique("m"), wishlistId)).expect(200);
        JsonNode item = get("/api/v1/tables/wishlist_items/rows/" + key).expect(200).json();
        assertThat(item.at("/values/stock_code").stringValue()).isEqualTo("507f1f77bcf86cd799439011");

        segment("/v1/track", """
                {"userId": "%s", "event": "Product Removed from Wishlist",
                 "properties": {"wishlist_id": "%s", "product_id": "507f1f77bcf86cd799439011"}}"""
                .formatted(userId, wishlistId)).expect(200);
        get("/api/v1/tables/wishlist_items/rows/" + key).expect(404);
    }

    /** Defines a table unless a test defined it before (all test classes share one database). */
    private void ensureTable(String name, String definition) {
        if (get("/api/v1/tables/" + name).status() == 404) {
            post("/api/v1/tables", definition).expect(201);
        }
    }
}
