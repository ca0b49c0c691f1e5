package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.api.journey.JourneyApiSupport;
import io.activation.web.embedded.EmbeddedMailServer;
import io.activation.web.embedded.EmbeddedServices;
import jakarta.mail.BodyPart;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The first acceptance point, through every part of the product and a real SMTP server: a cart is abandoned
 * (REST), the journey waits an hour (the clock is moved), its send step asks for an e-mail, arbitration lets it pass
 * (marketing consent granted), the sender runtime renders the Liquid template (the cart's lines with product names
 * and prices, tracked links, pixel, unsubscribe links) and hands it to the SMTP sender, and the reminder is read back
 * over IMAP from the mail catcher. The tracked link redirects, the one-click unsubscribe (RFC 8058) withdraws consent,
 * and the next marketing e-mail to the contact is blocked by arbitration, with the reason in the decision trail.
 */
class CartReminderEmailEndToEndTest extends JourneyApiSupport {

    private static final Pattern HREF = Pattern.compile("href=\"([^\"]+)\"");

    @Test
    void anAbandonedCartSendsAPersonalisedReminderWithWorkingLinksAndOneClickUnsubscribeBlocksTheNext()
            throws Exception {
        String p = unique("e2e");
        String products = defineTable("""
                {"name": "%s_products", "kind": "reference", "businessKey": "sku",
                 "attributes": [{"name": "sku", "type": "text"}, {"name": "name", "type": "text"},
                   {"name": "price", "type": "decimal"}]}""".formatted(p));
        String carts = defineTable("""
                {"name": "%s_carts", "kind": "interaction", "businessKey": "cart_id",
                 "attributes": [{"name": "cart_id", "type": "text"}, {"name": "status", "type": "text"}]}"""
                .formatted(p));
        String lines = defineTable("""
                {"name": "%s_cart_lines", "kind": "interaction", "businessKey": "line_id",
                 "attributes": [{"name": "line_id", "type": "text"},
                   {"name": "cart_id", "type": "text", "references": "%s"},
                   {"name": "product", "type": "text", "references": "%s"},
                   {"name": "quantity", "type": "integer"}]}""".formatted(p, carts, products));
        post("/api/v1/tables/" + products + "/rows/batch", """
                {"items": [{"values": {"sku": "TEA-1", "name": "Cast iron teapot", "price": 34.5}},
                           {"values": {"sku": "MUG-2", "name": "Enamel mug", "price": 7.25}}]}""").expect(200);
        String template = unique("cart-reminder").replace('_', '-');
        post("/api/v1/templates", """
                {"name": "%s", "channel": "email",
                 "parts": {"subject": "{{ contact.first_name }}, your basket is waiting",
                   "html": "<html><body><p>Hello {{ contact.first_name }},</p><ul>{%% for line in trigger.related.%s %%}<li>{{ line.quantity }} x {{ line.product.name }} at EUR {{ line.product.price }}</li>{%% endfor %%}</ul><p><a href=\\"https://shop.example/cart/{{ trigger.key }}\\">Back to your basket</a></p><p><a href=\\"{{ links.unsubscribe }}\\">Unsubscribe</a></p></body></html>"}}
                """.formatted(template, lines)).expect(201);
        long scenario = activeScenario("""
                {"name": "Cart reminder %s", "priority": 70,
                 "trigger": {"type": "row", "table": "%s", "on": ["created", "updated"], "changed": ["status"],
                             "where": {"attribute": "status", "op": "eq", "value": "abandoned"}},
                 "entry": {"rule": "once_per_trigger_row"},
                 "steps": [{"id": "wait-1h", "wait": {"duration": "PT1H"}, "next": "remind"},
                           {"id": "remind", "send": {"channels": [{"channel": "email", "template": "%s"}],
                            "purpose": "marketing"}}]}""".formatted(p, carts, template));

        String ann = p + "-ann";
        String address = p + "-ann@example.org";
        put("/api/v1/contacts/" + ann, """
                {"firstName": "Ann", "email": "%s", "timeZone": "Europe/Brussels"}""".formatted(address))
                .expect(201);
        put("/api/v1/contacts/" + ann + "/consents/email",
                "{\"purpose\": \"marketing\", \"status\": \"granted\", \"source\": \"signup form\"}").expect(200);
        clock.set(Instant.parse("2026-06-10T10:00:00Z"));
        abandon(carts, lines, ann, p + "-cart-1");
        awaitJourney(ann, "waiting", "wait-1h");

        clock.advance(Duration.ofMinutes(61));
        MimeMessage mail = awaitMail(address, 1).get(0);

        // Personalised, with the cart's lines joined to the product table.
        assertThat(mail.getSubject()).isEqualTo("Ann, your basket is waiting");
        assertThat(((InternetAddress) mail.getRecipients(Message.RecipientType.TO)[0]).getAddress())
                .isEqualTo(address);
        String html = part(mail, "text/html");
        String text = part(mail, "text/plain");
        assertThat(html).contains("Hello Ann,").contains("1 x Cast iron teapot at EUR 34.5")
                .contains("2 x Enamel mug at EUR 7.25");
        assertThat(text).contains("Cast iron teapot").contains("Enamel mug");
        // Headers: a Message-ID, the message key, RFC 8058 one-click unsubscribe.
        assertThat(mail.getMessageID()).matches("<.+@.+>");
        String key = mail.getHeader("X-Activation-Message-Key", null);
        assertThat(key).endsWith(":email");
        String listUnsubscribe = mail.getHeader("List-Unsubscribe", null);
        assertThat(listUnsubscribe).startsWith("<http").endsWith(">");
        assertThat(mail.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(mail.getContentType()).startsWith("multipart/alternative");

        // The basket link is tracked: it redirects to the shop, and the click is an event of the delivery.
        List<String> links = new ArrayList<>();
        Matcher m = HREF.matcher(html);
        while (m.find()) {
            links.add(m.group(1));
        }
        String tracked = links.stream().filter(l -> l.contains("/t/c/")).findFirst().orElseThrow();
        assertThat(tracked).doesNotContain("shop.example");
        Response click = get(pathOf(tracked));
        assertThat(click.status()).isEqualTo(302);
        assertThat(click.header("Location")).isEqualTo("https://shop.example/cart/" + p + "-cart-1");
        assertThat(html).contains("/t/o/");
        // A tampered token redirects nowhere.
        assertThat(get(pathOf(tracked) + "x").status()).isEqualTo(404);

        // One-click unsubscribe: POST to the List-Unsubscribe target, as a mail client does.
        String target = listUnsubscribe.substring(1, listUnsubscribe.indexOf('>'));
        Response unsubscribed = send("POST", pathOf(target), "List-Unsubscribe=One-Click", null,
                Map.of("Content-Type", "application/x-www-form-urlencoded"));
        assertThat(unsubscribed.status()).isEqualTo(200);
        JsonNode consents = get("/api/v1/contacts/" + ann + "/consents").expect(200).json();
        assertThat(consents.toString()).contains("withdrawn");

        // The next marketing e-mail is blocked by arbitration: another abandoned cart, another hour.
        abandon(carts, lines, ann, p + "-cart-2");
        await("the second cart's journey waiting", () -> journeys(ann), all -> all.size() == 2
                && "waiting".equals(all.get(0).get("status").stringValue()));
        clock.advance(Duration.ofMinutes(61));
        JsonNode second = await("the second request decided", () -> messages(ann), all -> all.size() == 2
                && !List.of("requested", "pending").contains(all.get(0).get("status").stringValue()));
        assertThat(second.get(0).get("status").stringValue()).isEqualTo("skipped");
        long requestId = second.get(0).get("requestId").longValue();
        JsonNode trail = get("/api/v1/message-requests/" + requestId + "/decisions").expect(200).json();
        assertThat(trail.toString()).contains("consent").contains("blocked");
        // Nothing more arrived, and the scenario's report counts the one e-mail sent and clicked.
        assertThat(mails(address)).hasSize(1);
        JsonNode report = get("/api/v1/scenarios/" + scenario + "/report").expect(200).json().get("total");
        assertThat(report.get("sent").intValue()).isEqualTo(1);
        assertThat(report.get("clicked").intValue()).isEqualTo(1);
        assertThat(report.get("unsubscribed").intValue()).isEqualTo(1);
    }

    private void abandon(String carts, String lines, String contact, String cartId) {
        String ref = "{\"externalId\": \"" + contact + "\"}";
        post("/api/v1/tables/" + carts + "/rows", """
                {"contact": %s, "values": {"cart_id": "%s", "status": "open"}}""".formatted(ref, cartId))
                .expect(201);
        post("/api/v1/tables/" + lines + "/rows/batch", """
                {"items": [{"contact": %s, "values": {"line_id": "%s-1", "cart_id": "%s", "product": "TEA-1",
                             "quantity": 1}},
                           {"contact": %s, "values": {"line_id": "%s-2", "cart_id": "%s", "product": "MUG-2",
                             "quantity": 2}}]}""".formatted(ref, cartId, cartId, ref, cartId, cartId)).expect(200);
        put("/api/v1/tables/" + carts + "/rows/" + cartId, "{\"contact\": " + ref
                + ", \"values\": {\"status\": \"abandoned\"}}").expect(200);
    }

    private JsonNode messages(String externalId) {
        return get("/api/v1/contacts/" + externalId + "/messages").expect(200).json().get("items");
    }

    private static String pathOf(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static List<MimeMessage> awaitMail(String address, int count) {
        return await("mail to " + address, () -> mails(address), l -> l.size() >= count);
    }

    private static List<MimeMessage> mails(String address) {
        EmbeddedMailServer mail = EmbeddedServices.sharedIfCreated().orElseThrow().mail();
        try {
            Store store = Session.getInstance(new Properties()).getStore("imap");
            store.connect(mail.host(), mail.imapPort(), address, "any");
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                List<MimeMessage> out = new ArrayList<>();
                for (Message message : inbox.getMessages()) {
                    out.add(new MimeMessage((MimeMessage) message));
                }
                return out;
            } finally {
                store.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String part(MimeMessage mail, String type) throws Exception {
        Multipart multipart = (Multipart) mail.getContent();
        for (int i = 0; i < multipart.getCount(); i++) {
            BodyPart part = multipart.getBodyPart(i);
            if (part.isMimeType(type)) {
                return (String) part.getContent();
            }
        }
        throw new AssertionError("no " + type + " part in " + mail.getContentType());
    }
}
