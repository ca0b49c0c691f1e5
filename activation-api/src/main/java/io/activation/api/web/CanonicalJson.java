package io.activation.api.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fingerprints of requests for idempotency: method, path and the JSON body with object keys sorted, so the same
 * payload written with other whitespace or key order is the same request.
 */
public final class CanonicalJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private CanonicalJson() {}

    public static byte[] fingerprint(String method, String path, JsonNode body) {
        return fingerprint(method, path, body, Set.of());
    }

    /** Like {@link #fingerprint(String, String, JsonNode)}, ignoring top-level fields that change on retries. */
    public static byte[] fingerprint(String method, String path, JsonNode body, Set<String> ignoredFields) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
            JsonNode canonical = body == null ? JsonNodeFactory.instance.nullNode() : sorted(body);
            if (canonical instanceof ObjectNode object && !ignoredFields.isEmpty()) {
                ignoredFields.forEach(object::remove);
            }
            digest.update(JSON.writeValueAsBytes(canonical));
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> fields = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                fields.put(e.getKey(), sorted(e.getValue()));
            }
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(child -> out.add(sorted(child)));
            return out;
        }
        return node;
    }
}
