package io.activation.api.web;

import io.activation.platform.InvalidInputException;
import io.activation.platform.LimitExceededException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The shape every batch and list endpoint shares: {@code {"items": [...]}} in, one result per item out; pages of
 * {@code {"items": [...], "next": <last id>}}.
 */
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

    /**
     * Processes the given items of a batch: each is parsed alone (a parse error rejects that item only), the parsed
     * ones are written together, and each write result is turned into the item's answer.
     */
    public static <I, R> Map<Integer, ObjectNode> process(JsonNode items, List<Integer> indices,
            Function<JsonNode, I> parse, Function<List<I>, List<R>> write, Function<R, ObjectNode> answer) {
        Map<Integer, ObjectNode> out = new HashMap<>();
        List<I> inputs = new ArrayList<>();
        List<Integer> sent = new ArrayList<>();
        for (int i : indices) {
            try {
                inputs.add(parse.apply(items.get(i)));
                sent.add(i);
            } catch (InvalidInputException e) {
                out.put(i, Problems.itemProblem(e));
            }
        }
        List<R> results = write.apply(inputs);
        for (int j = 0; j < results.size(); j++) {
            out.put(sent.get(j), answer.apply(results.get(j)));
        }
        return out;
    }

    /** A keyset page: the items, and {@code next} (the last id) when the page is full. */
    public static <T> ObjectNode page(List<T> page, int limit, Function<T, ObjectNode> toJson, ToLongFunction<T> id) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var array = answer.putArray("items");
        page.forEach(item -> array.add(toJson.apply(item)));
        if (page.size() == limit) {
            answer.put("next", id.applyAsLong(page.get(page.size() - 1)));
        }
        return answer;
    }
}
