package io.activation.api.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The pure parts of the tracking API, without Spring: event names, envelopes, clock skew, value expressions. */
class SegmentMessageTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void eventNamesBecomeSnakeCaseEventTypes() {
        assertThat(EventTypes.of("Product Viewed")).contains("product_viewed");
        assertThat(EventTypes.of("Order Completed")).contains("order_completed");
        assertThat(EventTypes.of("productAddedToWishlist")).contains("product_added_to_wishlist");
        assertThat(EventTypes.of("Signed Up!")).contains("signed_up");
        assertThat(EventTypes.of("  Produit consulté – détail ")).contains("produit_consulte_detail");
        assertThat(EventTypes.of("checkout:started")).contains("checkout:started");
        assertThat(EventTypes.of("HTMLPage Loaded")).contains("html_page_loaded");
        assertThat(EventTypes.of("商品")).isEmpty();
        assertThat(EventTypes.of("x".repeat(101))).isEmpty();
    }

    @Test
    void clockSkewIsCorrectedWithSentAtAsSegmentDoes() {
        // The device's clock is 1 hour behind: it says 11:00 when the server says 12:00.
        Instant timestamp = Instant.parse("2026-03-01T10:59:00Z");
        Instant sentAt = Instant.parse("2026-03-01T11:00:00Z");
        assertThat(SegmentMessage.occurredAt(timestamp, sentAt, NOW)).isEqualTo("2026-03-01T11:59:00Z");
        assertThat(SegmentMessage.occurredAt(timestamp, null, NOW)).isEqualTo(timestamp);
        assertThat(SegmentMessage.occurredAt(null, sentAt, NOW)).isEqualTo(NOW);

        SegmentMessage message = parse("""
                {"type": "track", "anonymousId": "a-1", "event": "Clicked", "originalTimestamp":
                 "2026-03-01T10:59:00.000Z", "sentAt": "2026-03-01T11:00:00.000Z"}""");
        assertThat(message.occurredAt()).isEqualTo("2026-03-01T11:59:00Z");
    }

    @Test
    void aBatchLendsItsContextAndSentAtToItsCalls() {
        JsonNode call = JSON.readTree("""
                {"type": "page", "userId": 42, "name": "Home", "timestamp": "2026-03-01T10:00:00Z",
                 "context": {"locale": "nl-BE"}}""");
        SegmentMessage message = SegmentMessage.parse(call, null, new SegmentMessage.Envelope(
                (tools.jackson.databind.node.ObjectNode) JSON.readTree("{\"locale\": \"en\", \"ip\": \"1.2.3.4\"}"),
                Instant.parse("2026-03-01T11:00:00Z")), NOW, "batch[0].");
        assertThat(message.userId()).isEqualTo("42");
        assertThat(message.context().get("locale").stringValue()).isEqualTo("nl-BE");
        assertThat(message.context().get("ip").stringValue()).isEqualTo("1.2.3.4");
        assertThat(message.occurredAt()).isEqualTo("2026-03-01T11:00:00Z");
        assertThat(message.eventType()).isEqualTo("page_viewed");
    }

    @Test
    void theFingerprintIgnoresWhatChangesBetweenRetries() {
        SegmentMessage first = parse("""
                {"type": "track", "userId": "u", "event": "A", "messageId": "m-1", "sentAt": "2026-03-01T11:00:00Z",
                 "_metadata": {"retryCount": 0}}""");
        SegmentMessage retry = parse("""
                {"type": "track", "userId": "u", "event": "A", "messageId": "m-1", "sentAt": "2026-03-01T11:05:00Z",
                 "_metadata": {"retryCount": 1}}""");
        SegmentMessage other = parse("""
                {"type": "track", "userId": "u", "event": "B", "messageId": "m-1"}""");
        assertThat(first.fingerprint()).isEqualTo(retry.fingerprint());
        assertThat(first.fingerprint()).isNotEqualTo(other.fingerprint());
    }

    @Test
    void everyWrongFieldIsNamed() {
        assertThatThrownBy(() -> parse("{\"type\": \"track\", \"properties\": []}"))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).errors()).extracting(FieldError::field)
                        .containsExactly("userId", "anonymousId", "event", "properties"));
        assertThatThrownBy(() -> parse("{\"type\": \"track\", \"userId\": \"u\", \"event\": \"A\","
                + " \"timestamp\": \"2015-2-02T00:30:08.276Z\"}"))
                .satisfies(e -> assertThat(((InvalidInputException) e).errors()).extracting(FieldError::field)
                        .containsExactly("timestamp"));
        assertThatThrownBy(() -> parse("{\"type\": \"alias\", \"userId\": \"u\"}"))
                .satisfies(e -> assertThat(((InvalidInputException) e).errors()).extracting(FieldError::field)
                        .containsExactly("previousId"));
        assertThatThrownBy(() -> parse("{\"type\": \"track\", \"userId\": \"u\", \"event\": \"A\","
                + " \"timestamp\": \"2026-03-05T00:00:00Z\"}"))
                .satisfies(e -> assertThat(((InvalidInputException) e).errors().get(0).message())
                        .contains("future"));
    }

    @Test
    void valueExpressionsReadPathsItemsSpecialsAndLiterals() {
        JsonNode message = JSON.readTree("""
                {"userId": "u-1", "properties": {"orderId": "o-7", "revenue": "25.00", "empty": "",
                 "products": [{"sku": "S-1", "quantity": 2}, {"product_id": "P-2"}]}}""");
        ValueExpression.Scope scope = ValueExpression.Scope.of(message, NOW, "Order Completed");

        assertThat(ValueExpression.parse("properties.order_id | properties.orderId").evaluate(scope))
                .isEqualTo(new ValueExpression.Value(JSON.readTree("\"o-7\""), "properties.orderId"));
        assertThat(ValueExpression.parse("properties.empty").evaluate(scope)).isNull();
        assertThat(ValueExpression.parse("'open'").evaluate(scope).node().stringValue()).isEqualTo("open");
        assertThat(ValueExpression.parse("@timestamp").evaluate(scope).node().stringValue())
                .isEqualTo("2026-03-01T12:00:00Z");
        assertThat(ValueExpression.parse("properties.products[1].product_id").evaluate(scope).node().stringValue())
                .isEqualTo("P-2");

        ValueExpression line = ValueExpression.parse("properties.order_id + '-' + @index"
                + " | properties.orderId + '-' + @index");
        ValueExpression code = ValueExpression.parse("item.product_id | item.sku");
        ValueExpression.Scope second = scope.element(message.at("/properties/products/1"), "properties.products", 1);
        assertThat(line.evaluate(second).node().stringValue()).isEqualTo("o-7-1");
        assertThat(code.evaluate(second).source()).isEqualTo("properties.products[1].product_id");
        ValueExpression.Scope first = scope.element(message.at("/properties/products/0"), "properties.products", 0);
        assertThat(code.evaluate(first).node().stringValue()).isEqualTo("S-1");
        assertThat(ValueExpression.parse("item.missing + 'x'").evaluate(first)).isNull();
        assertThat(line.usesItem()).isTrue();
        assertThat(code.usesItem()).isTrue();
    }

    @Test
    void badExpressionsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ValueExpression.parse("properties.a |")).hasMessageContaining("empty term");
        assertThatThrownBy(() -> ValueExpression.parse("'open")).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> ValueExpression.parse("@now")).hasMessageContaining("@timestamp");
        assertThatThrownBy(() -> ValueExpression.parse("properties.products[x]")).hasMessageContaining("index");
        assertThatThrownBy(() -> ValueExpression.parsePath("item.sku")).hasMessageContaining("path into the message");
    }

    @Test
    void aBirthdaySentAsLocalMidnightInUtcIsItsCalendarDate() {
        assertThat(ContactTraits.birthDate(JSON.readTree("\"1990-02-27T23:00:00.000Z\"")).stringValue())
                .isEqualTo("1990-02-28");
        assertThat(ContactTraits.birthDate(JSON.readTree("\"1990-02-28T05:00:00.000Z\"")).stringValue())
                .isEqualTo("1990-02-28");
        assertThat(ContactTraits.birthDate(JSON.readTree("\"1990-02-28\"")).stringValue()).isEqualTo("1990-02-28");
    }

    private static SegmentMessage parse(String json) {
        return SegmentMessage.parse(JSON.readTree(json), null, SegmentMessage.Envelope.NONE, NOW, "");
    }
}
