package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The consumer's reading of a dispatched record ({@link SenderRuntime#deliveryId}), done with the streaming parser. */
class DispatchedRecordTest {

    @Test
    void readsTheDeliveryIdOfADispatchedEventWhateverTheOrderOfItsFields() {
        assertThat(SenderRuntime.deliveryId("""
                {"specversion":"1.0","id":"x","type":"io.activation.message.dispatched","subject":"deliveries/7",
                 "data":{"messageKey":"k","nested":{"deliveryId":1},"list":[1,{"a":2}],"deliveryId":42,"x":null}}"""))
                .isEqualTo(42L);
        assertThat(SenderRuntime.deliveryId("""
                {"data":{"deliveryId":9007199254740993},"extra":[{"type":"other"}],
                 "type":"io.activation.message.dispatched"}""")).isEqualTo(9007199254740993L);
        assertThat(SenderRuntime.deliveryId("""
                {"type":"io.activation.message.dispatched","data":{"deliveryId":5.0}}""")).isEqualTo(5L);
    }

    @Test
    void anythingElseIsNotADelivery() {
        assertThat(SenderRuntime.deliveryId(null)).isNull();
        assertThat(SenderRuntime.deliveryId("not json")).isNull();
        assertThat(SenderRuntime.deliveryId("[1,2]")).isNull();
        assertThat(SenderRuntime.deliveryId("""
                {"type":"io.activation.message.sent","data":{"deliveryId":42}}""")).isNull();
        assertThat(SenderRuntime.deliveryId("""
                {"type":"io.activation.message.dispatched","data":{"deliveryId":"42"}}""")).isNull();
        assertThat(SenderRuntime.deliveryId("""
                {"type":"io.activation.message.dispatched","data":{"messageKey":"k"}}""")).isNull();
        assertThat(SenderRuntime.deliveryId("""
                {"type":"io.activation.message.dispatched","data":{"deliveryId":42},"data":"replaced"}""")).isNull();
        assertThat(SenderRuntime.deliveryId("""
                {"type":"io.activation.message.dispatched","data":{"deliveryId":123456789012345678901234}}""")).isNull();
        assertThat(SenderRuntime.deliveryId("""
                {"type":"io.activation.message.dispatched","data":{"deliveryId":42""")).isNull();
    }
}
