package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The streaming read of a record's request id answers what reading the whole record as a tree answered. */
class ArbitrationListenerTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String TYPE = MessageRequests.REQUESTED_EVENT;

    /** The reading the listener used before. */
    private static Long tree(String value) {
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (RuntimeException e) {
            return null;
        }
        if (!TYPE.equals(node.path("type").asString(null))) {
            return null;
        }
        JsonNode id = node.path("data").path("id");
        return id.canConvertToLong() ? id.asLong() : null;
    }

    @Test
    void readsTheRequestIdAsTheTreeDid() {
        List<String> records = List.of(
                "{\"specversion\":\"1.0\",\"id\":\"x\",\"type\":\"" + TYPE + "\",\"data\":{\"id\":42,\"contactId\":7}}",
                "{\"data\":{\"contactId\":7,\"channels\":[{\"id\":1}],\"id\":43},\"type\":\"" + TYPE + "\"}",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"nested\":{\"id\":5}}}",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"id\":\"44\"}}",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"id\":null}}",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"id\":12.0}}",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"id\":9223372036854775807}}",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"id\":9223372036854775808}}",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"id\":-3}}",
                "{\"type\":\"" + TYPE + "\",\"data\":\"text\"}",
                "{\"type\":\"" + TYPE + "\",\"data\":[{\"id\":1}]}",
                "{\"type\":\"" + TYPE + "\"}",
                "{\"type\":\"io.activation.message.other\",\"data\":{\"id\":42}}",
                "{\"type\":7,\"data\":{\"id\":42}}",
                "{\"data\":{\"id\":42}}",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"id\":1},\"data\":{\"id\":2}}",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"id\":1},\"data\":3}",
                "{\"type\":\"" + TYPE + "\",\"extensions\":{\"type\":\"x\",\"data\":{\"id\":9}},\"data\":{\"id\":8}}",
                "[1,2]",
                "\"just a string\"",
                "not json",
                "{\"type\":\"" + TYPE + "\",\"data\":{\"id\":1");
        for (String record : records) {
            assertThat(ArbitrationListener.requestId(record)).as(record).isEqualTo(tree(record));
        }
        assertThat(ArbitrationListener.requestId(records.get(0))).isEqualTo(42L);
        assertThat(ArbitrationListener.requestId(records.get(1))).isEqualTo(43L);
    }
}
