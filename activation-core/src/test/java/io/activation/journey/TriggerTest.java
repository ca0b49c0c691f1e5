package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.platform.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Trigger matching on each event shape the engine accepts. */
class TriggerTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Trigger trigger(String json) {
        List<FieldError> errors = new ArrayList<>();
        Trigger t = Trigger.parse(JSON.readTree(json), "trigger", errors);
        assertThat(errors).isEmpty();
        return t;
    }

    private static EngineEvent event(String type, String data) {
        return new EngineEvent(UUID.randomUUID(), type, 7, JSON.readTree(data));
    }

    @Test
    void rowTriggerFiltersOnValuesAndOnWhatChanged() {
        Trigger t = trigger("""
                {"type": "row", "table": "carts", "on": ["updated"], "changed": ["status"],
                 "where": {"attribute": "status", "op": "eq", "value": "abandoned"}}""");
        String data = """
                {"table": "carts", "key": "k1", "contactId": 7, "values": {"status": "abandoned"}, "changed": %s}""";
        assertThat(t.match(event(EngineEvent.ROW_UPDATED, data.formatted("[\"status\"]")), 1))
                .hasValueSatisfying(m -> assertThat(m.triggerKey()).isEqualTo("carts:k1"));
        assertThat(t.match(event(EngineEvent.ROW_UPDATED, data.formatted("[\"value\"]")), 1)).isEmpty();
        assertThat(t.match(event(EngineEvent.ROW_CREATED, data.formatted("[\"status\"]")), 1)).isEmpty();
    }

    @Test
    void referenceChangedReachesARowTriggerOnTheLinkingTable() {
        Trigger t = trigger("""
                {"type": "row", "table": "wishlist_items", "on": ["reference-changed"]}""");
        JsonNode data = JSON.readTree("""
                {"contactId": 7, "table": "wishlist_items", "key": "w1", "rowId": 3, "values": {"stock_code": "p1"},
                 "reference": {"table": "products", "key": "p1", "values": {"price": 8}, "previous": {"price": 10},
                               "changed": ["price"]}}""");
        assertThat(t.match(new EngineEvent(UUID.randomUUID(), EngineEvent.REFERENCE_CHANGED, 7, data), 1))
                .hasValueSatisfying(m -> {
                    assertThat(m.triggerKey()).isEqualTo("wishlist_items:w1");
                    assertThat(m.data().at("/reference/previous/price").intValue()).isEqualTo(10);
                });
        assertThat(t.match(new EngineEvent(UUID.randomUUID(), EngineEvent.ROW_UPDATED, 7, data), 1)).isEmpty();
    }

    @Test
    void consentSegmentContactAttributeAndApiTriggers() {
        Trigger consent = trigger("{\"type\": \"consent\", \"channel\": \"email\", \"purpose\": \"marketing\"}");
        assertThat(consent.match(event(EngineEvent.CONSENT_CHANGED, """
                {"contactId": 7, "channel": "email", "purpose": "marketing", "status": "granted"}"""), 1)).isPresent();
        assertThat(consent.match(event(EngineEvent.CONSENT_CHANGED, """
                {"contactId": 7, "channel": "email", "purpose": "marketing", "status": "withdrawn"}"""), 1)).isEmpty();

        Trigger exited = trigger("{\"type\": \"segment\", \"segment\": \"vip\", \"on\": [\"exited\"]}");
        assertThat(exited.match(event(EngineEvent.SEGMENT_EXITED, """
                {"contactId": 7, "segmentId": 1, "segment": "vip"}"""), 1)).isPresent();
        assertThat(exited.match(event(EngineEvent.SEGMENT_ENTERED, """
                {"contactId": 7, "segmentId": 1, "segment": "vip"}"""), 1)).isEmpty();

        Trigger country = trigger("""
                {"type": "contactAttribute", "changed": ["country"],
                 "where": {"attribute": "country", "op": "eq", "value": "BE"}}""");
        assertThat(country.match(event(EngineEvent.CONTACT_UPDATED, """
                {"contactId": 7, "values": {"country": "BE", "attributes": {}}, "changed": ["country"]}"""), 1))
                .isPresent();
        assertThat(country.match(event(EngineEvent.CONTACT_UPDATED, """
                {"contactId": 7, "values": {"country": "BE", "timeZone": "UTC", "attributes": {}},
                 "changed": ["timeZone"]}"""), 1)).isEmpty();

        Trigger api = trigger("{\"type\": \"api\"}");
        assertThat(api.match(event(EngineEvent.TRIGGERED, "{\"scenarioId\": 4, \"payload\": {\"a\": 1}}"), 4))
                .hasValueSatisfying(m -> assertThat(m.data().get("a").intValue()).isEqualTo(1));
        assertThat(api.match(event(EngineEvent.TRIGGERED, "{\"scenarioId\": 5, \"payload\": {}}"), 4)).isEmpty();
    }

    @Test
    void eventTriggerFiltersOnProperties() {
        Trigger t = trigger("""
                {"type": "event", "eventType": "order_completed",
                 "where": {"or": [{"attribute": "total", "op": "gte", "value": 100},
                                  {"not": {"attribute": "coupon", "op": "is_null"}}]}}""");
        assertThat(t.match(event(EngineEvent.EVENT_RECORDED, """
                {"eventType": "order_completed", "properties": {"total": "150.00"}}"""), 1)).isPresent();
        assertThat(t.match(event(EngineEvent.EVENT_RECORDED, """
                {"eventType": "order_completed", "properties": {"total": 20, "coupon": "X"}}"""), 1)).isPresent();
        assertThat(t.match(event(EngineEvent.EVENT_RECORDED, """
                {"eventType": "order_completed", "properties": {"total": 20}}"""), 1)).isEmpty();
    }
}
