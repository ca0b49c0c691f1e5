package io.activation.api.contact;

import io.activation.platform.InvalidInputException;
import io.activation.platform.LimitExceededException;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The shape every batch endpoint shares: {@code {"items": [...]}} in, one result per item out. */
public final class BatchItems {

    private BatchItems() {}

    public static JsonNode items(JsonNode body, int max) {
        JsonNode items = body == null ? null : body.get("items");
        if (items == null || !items.isArray()) {
            throw new InvalidInputException("items", "is required: an array of up to " + max + " items");
        }
        if (items.isEmpty()) {
            throw new InvalidInputException("items", "must not be empty");
        }
        if (items.size() > max) {
            throw new LimitExceededException("items", max, "A batch holds at most " + max + " items, this one "
                    + items.size());
        }
        return items;
    }

    public static ObjectNode answer(int size, Map<Integer, ObjectNode> results) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        int accepted = 0;
        var array = answer.putArray("results");
        for (int i = 0; i < size; i++) {
            ObjectNode item = results.get(i);
            item.put("index", i);
            if (item.path("status").asInt() < 400) {
                accepted++;
            }
            array.add(item);
        }
        answer.put("accepted", accepted);
        answer.put("rejected", size - accepted);
        return answer;
    }
}
