package io.activation.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.tracking.TrackingLinks;
import io.activation.tracking.TrackingReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The renderer as the sender runtime calls it: the personalisation context (contact with marketer-defined
 * attributes, the trigger row and the rows related to it, the contact's tables with relations joined, co-purchase
 * recommendations), tracked links, the open pixel, unsubscribe parts, and the per-channel checks.
 */
class MessageRenderingTest extends ShopTest {

    private static final Pattern HREF = Pattern.compile("href=\"([^\"]+)\"");

    @Autowired
    MessageRenderer renderer;

    @Autowired
    TrackingLinks tracking;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void personalisesWithContactTriggerRelatedRowsTablesAndRecommendations() {
        Shop shop = shop();
        String camelTier = Personalisation.camel(shop.tier());
        String name = template("email", """
                {"subject": "{{ contact.firstName }}, your order {{ trigger.row.order_no }}",
                 "html": "<p>Hi {{ contact.first_name }} ({{ contact.%s }}/{{ contact.%s }})</p><ul>{%% for l in trigger.related.%s %%}<li>{{ l.quantity }} x {{ l.product.name }} at {{ l.product.price }}</li>{%% endfor %%}</ul><p>Total {{ trigger.row.total }}</p><p>Cart:{%% for i in tables.%s %%} {{ i.product.name }}{%% endfor %%}</p><p>Also:{%% for r in recommendations %%} {{ r.product.name }}({{ r.buyers }}){%% endfor %%}</p>"}"""
                .formatted(shop.tier(), camelTier, shop.lines(), shop.cart()));
        long contactId = contactId(shop.ann());

        RenderedMessage preview = renderer.render(new RenderRequest(name, "email", contactId, null, null,
                JSON.readTree(shop.orderTrigger())));

        assertThat(preview.parts().get("subject")).isEqualTo("Ann, your order " + shop.prefix() + "-O1");
        assertThat(preview.parts().get("html")).isEqualTo("<p>Hi Ann (gold/gold)</p><ul><li>1 x Kettle at 19.95</li>"
                + "<li>2 x Mug at 4.5</li></ul><p>Total 28.95</p><p>Cart: Tea towel Teapot</p>"
                + "<p>Also: Teapot(2) Tea towel(1) Coaster(1)</p>");
        // No text part written: derived from the HTML.
        assertThat(preview.parts().get("text")).isEqualTo("Hi Ann (gold/gold)\n\n- 1 x Kettle at 19.95\n"
                + "- 2 x Mug at 4.5\n\nTotal 28.95\n\nCart: Tea towel Teapot\n\nAlso: Teapot(2) Tea towel(1) Coaster(1)");
        assertThat(preview.parts()).doesNotContainKeys("unsubscribeUrl", "unsubscribePostUrl");
    }

    @Test
    void aTriggerRowOfThePurchaseTableSeedsTheRecommendations() {
        Shop shop = shop();
        String name = template("sms", """
                {"text": "{% for r in recommendations %}{{ r.product.sku }}:{{ r.buyers }} {% endfor %}"}""");
        String trigger = """
                {"trigger": {"table": "%s", "key": "%s-%s-O1-P2"}}""".formatted(shop.lines(), shop.ann(),
                shop.prefix());
        RenderedMessage sms = renderer.render(new RenderRequest(name, "sms", contactId(shop.ann()), null, null,
                JSON.readTree(trigger)));
        // Only Dirk also bought the Mug (P2); of his, P5 is new to Ann.
        assertThat(sms.parts().get("text")).isEqualTo("P5:1 ");
    }

    @Test
    void anEventTriggerJoinsProductsThroughLookupOfReferenceRowsOnly() {
        Shop shop = shop();
        String name = template("sms", """
                {"text": "{%% for i in trigger.properties.items %%}{%% assign p = i.sku | lookup: '%s' %%}{{ i.qty }}x{{ p.name }}@{{ p.price }} {%% endfor %%}|{{ '%s-O1' | lookup: '%s' }}"}"""
                .formatted(shop.products(), shop.prefix(), shop.orders()));
        String trigger = """
                {"trigger": {"eventType": "cart", "properties": {"items": [{"sku": "P3", "qty": 1},
                 {"sku": "P4", "qty": 2}, {"sku": "nope", "qty": 1}]}}}""";
        RenderedMessage sms = renderer.render(new RenderRequest(name, "sms", contactId(shop.ann()), null, null,
                JSON.readTree(trigger)));
        // Orders belong to contacts: lookup never reads them.
        assertThat(sms.parts().get("text")).isEqualTo("1xTeapot@24 2xTea towel@6 1x@ |");
    }

    @Test
    void emailLinksAreTrackedThePixelIsAddedAndUnsubscribePartsAreSet() {
        Shop shop = shop();
        String name = template("email", """
                {"subject": "Hi", "html": "<html><body><a href=\\"https://shop.example/cart?a=1&amp;b=2\\">Cart</a> <a href='mailto:help@shop.example'>Help</a> <a href=\\"{{ links.unsubscribe }}\\">Unsubscribe</a></body></html>",
                 "text": "Cart: https://shop.example/cart. Bye"}""");
        long contactId = contactId(shop.ann());
        long deliveryId = 987_654_321L;

        RenderedMessage message = renderer.render(new RenderRequest(name, "email", contactId, deliveryId,
                "k:email", null));

        String html = message.parts().get("html");
        Matcher hrefs = HREF.matcher(html);
        assertThat(hrefs.find()).isTrue();
        TrackingReference click = verify(hrefs.group(1));
        assertThat(click.deliveryId()).isEqualTo(deliveryId);
        assertThat(click.url()).contains("https://shop.example/cart?a=1&b=2");
        assertThat(html).contains("href='mailto:help@shop.example'")
                .contains("href=\"" + tracking.unsubscribePage(deliveryId) + "\"")
                .contains("<img src=\"" + tracking.openPixel(deliveryId) + "\"")
                .endsWith("\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\"></body></html>");
        String text = message.parts().get("text");
        assertThat(text).startsWith("Cart: ").endsWith(". Bye");
        String textLink = text.substring("Cart: ".length(), text.length() - ". Bye".length());
        assertThat(verify(textLink).url()).contains("https://shop.example/cart");
        assertThat(message.parts().get("unsubscribeUrl")).isEqualTo(tracking.unsubscribePage(deliveryId));
        assertThat(message.parts().get("unsubscribePostUrl")).isEqualTo(tracking.unsubscribeOneClick(deliveryId));

        RenderedMessage preview = renderer.render(new RenderRequest(name, "email", contactId, null, null, null));
        assertThat(preview.parts().get("html")).contains("href=\"https://shop.example/cart?a=1&amp;b=2\"")
                .doesNotContain("/t/o/").contains("href=\"#unsubscribe\"");
    }

    @Test
    void smsLinksBecomeShortTrackedLinks() {
        Shop shop = shop();
        String name = template("sms", """
                {"text": "{{ contact.first_name }}, your cart: https://shop.example/cart?id={{ contact.id }}"}""");
        long contactId = contactId(shop.ann());
        JsonNode queued = post("/api/v1/templates/" + id(name, "sms") + "/test-send", """
                {"to": "+31612345678", "contact": {"externalId": "%s"}}""".formatted(shop.ann())).expect(202).json();
        long deliveryId = queued.get("deliveryId").longValue();

        String text = renderer.render(new RenderRequest(name, "sms", contactId, deliveryId, "k", null)).parts()
                .get("text");

        assertThat(text).startsWith("Ann, your cart: ").doesNotContain("shop.example");
        String code = text.substring(text.lastIndexOf('/') + 1);
        assertThat(tracking.verifyShort(code)).hasValueSatisfying(r -> {
            assertThat(r.deliveryId()).isEqualTo(deliveryId);
            assertThat(r.url()).contains("https://shop.example/cart?id=" + contactId);
        });
    }

    @Test
    void everyChannelRendersItsParts() {
        Shop shop = shop();
        long contactId = contactId(shop.ann());
        String push = template("push", """
                {"title": "Hi {{ contact.first_name }}", "body": "Your cart waits", "image": "https://cdn.example/{{ contact.id }}.png"}""",
                "{\"screen\": \"cart\", \"tier\": \"{{ contact." + shop.tier() + " }}\"}");
        RenderedMessage pushed = renderer.render(new RenderRequest(push, "push", contactId, null, null, null));
        assertThat(pushed.parts()).containsEntry("title", "Hi Ann").containsEntry("body", "Your cart waits")
                .containsEntry("image", "https://cdn.example/" + contactId + ".png");
        assertThat(pushed.data()).containsEntry("screen", "cart").containsEntry("tier", "gold");

        String wallet = template("wallet", """
                {"passType": "loyalty", "description": "{{ contact.first_name }}'s card"}""",
                "{\"Points\": \"{{ 40 | plus: 2 }}\"}");
        RenderedMessage pass = renderer.render(new RenderRequest(wallet, "wallet", contactId, null, null, null));
        assertThat(pass.parts()).containsEntry("passType", "loyalty").containsEntry("description", "Ann's card");
        assertThat(pass.data()).containsEntry("Points", "42");

        String print = template("print", "{\"letter\": \"<h1>Dear {{ contact.first_name }}</h1>\"}");
        assertThat(renderer.render(new RenderRequest(print, "print", contactId, null, null, null)).parts())
                .containsEntry("letter", "<h1>Dear Ann</h1>");

        String webhook = template("webhook", """
                {"body": "{\\"contact\\": {{ contact.id }}, \\"name\\": {{ contact.first_name | json }}, \\"order\\": {{ trigger.values | json }}}"}""");
        JsonNode body = JSON.readTree(renderer.render(new RenderRequest(webhook, "webhook", contactId, null, null,
                JSON.readTree(shop.orderTrigger()))).parts().get("body"));
        assertThat(body.get("contact").longValue()).isEqualTo(contactId);
        assertThat(body.get("name").stringValue()).isEqualTo("Ann");
        assertThat(body.at("/order/order_no").stringValue()).isEqualTo(shop.prefix() + "-O1");

        String broken = template("webhook", "{\"body\": \"{ not json {{ contact.id }}\"}");
        assertThatThrownBy(() -> renderer.render(new RenderRequest(broken, "webhook", contactId, null, null, null)))
                .isInstanceOfSatisfying(RenderException.class, e -> assertThat(e.field()).isEqualTo("parts.body"));
    }

    @Test
    void limitsAndUnknownTemplatesFailNamingTheField() {
        Shop shop = shop();
        long contactId = contactId(shop.ann());
        String loops = template("email", "{\"subject\": \"s\", \"html\": \"{% for i in (1..1000000) %}x{% endfor %}\"}");
        assertThatThrownBy(() -> renderer.render(new RenderRequest(loops, "email", contactId, null, null, null)))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("parts.html");
                    assertThat(e.getMessage()).contains("loop iterations");
                });
        String big = template("sms", "{\"text\": \"{% for i in (1..15000) %}" + "x".repeat(50) + "{% endfor %}\"}");
        assertThatThrownBy(() -> renderer.render(new RenderRequest(big, "sms", contactId, null, null, null)))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("parts.text");
                    assertThat(e.getMessage()).contains("500000 characters");
                });
        assertThatThrownBy(() -> renderer.render(new RenderRequest(unique("none"), "email", contactId, null, null,
                null))).isInstanceOfSatisfying(RenderException.class, e -> assertThat(e.field()).isEqualTo("template"));
    }

    private TrackingReference verify(String link) {
        String token = link.substring(link.lastIndexOf('/') + 1);
        return tracking.verify(token).orElseThrow(() -> new AssertionError("not a signed link: " + link));
    }

    private long contactId(String externalId) {
        return get("/api/v1/contacts/" + externalId).expect(200).json().get("id").longValue();
    }

    private long id(String name, String channel) {
        return jdbc.queryForObject("select id from templates where name = ? and channel = ?", Long.class, name,
                channel);
    }

    @Test
    void anEditedTemplateIsUsedByTheNextRenderWhereverTheEditWasMade() {
        Shop shop = shop();
        long contactId = contactId(shop.ann());
        String name = template("sms", """
                {"text": "one {{ contact.first_name }}"}""");
        RenderRequest request = new RenderRequest(name, "sms", contactId, null, null, null);
        assertThat(renderer.render(request).parts().get("text")).isEqualTo("one Ann");
        // Twice: the second render takes this node's copy of the template.
        assertThat(renderer.render(request).parts().get("text")).isEqualTo("one Ann");
        long id = jdbc.queryForObject("select id from templates where name = ?", Long.class, name);

        // Through the API (this node), with the clock standing still.
        put("/api/v1/templates/" + id, """
                {"name": "%s", "channel": "sms", "parts": {"text": "two {{ contact.first_name }}"}}"""
                .formatted(name)).expect(200);
        assertThat(renderer.render(request).parts().get("text")).isEqualTo("two Ann");

        // Another node's edit (straight to the row, updated_at unchanged): seen by the next render here too.
        jdbc.update("update templates set parts = '{\"text\": \"three {{ contact.first_name }}\"}'::jsonb"
                + " where id = ?", id);
        assertThat(renderer.render(request).parts().get("text")).isEqualTo("three Ann");

        // Deleted elsewhere: no stale copy renders.
        jdbc.update("delete from templates where id = ?", id);
        assertThatThrownBy(() -> renderer.render(request)).isInstanceOf(RenderException.class)
                .hasMessageContaining(name);
    }

    private String template(String channel, String parts) {
        return template(channel, parts, null);
    }

    private String template(String channel, String parts, String data) {
        String name = unique("t").replace('_', '-');
        post("/api/v1/templates", """
                {"name": "%s", "channel": "%s", "parts": %s%s}""".formatted(name, channel, parts,
                data == null ? "" : ", \"data\": " + data)).expect(201);
        return name;
    }
}
