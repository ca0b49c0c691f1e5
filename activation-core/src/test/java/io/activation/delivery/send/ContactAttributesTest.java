package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The contact attributes a delivery carries ({@link DeliveryLedger#contactAttributes}), read with the streaming parser:
 * the same texts, in the same order, as the JSON tree the ledger used to build for every contact row.
 */
class ContactAttributesTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void sameTextsAsTheTreeForEveryKindOfValue() {
        // row_to_json's shape: jsonb columns keep their spaces, numerics their digits.
        String row = """
                {"id":42,"external_id":"c-1","email":"ada@example.com","first_name":"Ad\\u00e9 \\"A\\"",
                 "last_name":null,"score":12.50,"ratio":1e3,"big":123456789012345678901234,"vip":true,
                 "opted":false,"tags":["a", "b"],"profile":{"size": 38, "colours": ["red", null]},
                 "created_at":"2026-11-22T23:00:00.123456+00:00","empty":"","negative":-7}""";
        Map<String, String> streamed = new LinkedHashMap<>();
        DeliveryLedger.contactAttributes(row, streamed);
        assertThat(streamed).containsExactlyEntriesOf(tree(row));
        assertThat(streamed).containsEntry("first_name", "Adé \"A\"").containsEntry("id", "42")
                .containsEntry("vip", "true").containsEntry("profile", "{\"size\":38,\"colours\":[\"red\",null]}")
                .doesNotContainKey("last_name");
    }

    @Test
    void aLaterDuplicateWinsAsInTheTree() {
        String row = "{\"a\":\"1\",\"b\":2,\"a\":\"3\"}";
        Map<String, String> streamed = new LinkedHashMap<>();
        DeliveryLedger.contactAttributes(row, streamed);
        assertThat(streamed).containsExactlyEntriesOf(tree(row));
    }

    @Test
    void integersOfEveryWidthAsTheTreePrintsThem() {
        for (String number : java.util.List.of("0", "-0", "7", "-7", "2147483647", "2147483648", "-2147483649",
                "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                "123456789012345678901234567890")) {
            String row = "{\"id\":" + number + ",\"ok\":true,\"no\":false}";
            Map<String, String> streamed = new LinkedHashMap<>();
            DeliveryLedger.contactAttributes(row, streamed);
            assertThat(streamed).as(number).containsExactlyEntriesOf(tree(row));
        }
    }

    /** What the ledger did before: the whole row as a tree. */
    private static Map<String, String> tree(String json) {
        Map<String, String> attributes = new LinkedHashMap<>();
        JSON.readTree(json).properties().forEach(e -> {
            if (!e.getValue().isNull()) {
                attributes.put(e.getKey(), e.getValue().isString() ? e.getValue().stringValue()
                        : e.getValue().toString());
            }
        });
        return attributes;
    }
}
