package io.activation.journey;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A webhook step's literal secret is write-only: whoever reads a scenario sees {@code "secret": {"redacted":
 * true}} in its place ({@link #redacted}), and a definition sent back with that placeholder keeps the secret the
 * same step (by id) has in the scenario's latest version ({@link #kept}), so a client can read, edit and save a
 * scenario without ever holding the secret. A secret named by reference ({@code {"ref": "crm"}}) is shown as it is:
 * it is a setting's name, not the secret.
 */
public final class WebhookSecrets {

    static final String REDACTED = "redacted";

    private WebhookSecrets() {}

    /** A copy of the definition with every literal webhook secret replaced by the placeholder. */
    public static JsonNode redacted(JsonNode definition) {
        if (definition == null || !definition.path("steps").isArray()) {
            return definition;
        }
        JsonNode copy = definition.deepCopy();
        for (JsonNode step : copy.get("steps")) {
            JsonNode webhook = step.path("webhook");
            if (webhook instanceof ObjectNode settings && settings.path("secret").isString()) {
                settings.set("secret", placeholder());
            }
        }
        return copy;
    }

    /** Whether the value is the placeholder {@link #redacted} shows. */
    static boolean isPlaceholder(JsonNode secret) {
        return secret != null && secret.isObject() && secret.size() == 1 && secret.path(REDACTED).isBoolean()
                && secret.get(REDACTED).asBoolean();
    }

    /**
     * The definition to store: each placeholder replaced by the secret of the same step in {@code previous} (the
     * scenario's latest version; null when the scenario is new). A placeholder with no literal secret to keep is
     * refused, naming the field. Answers {@code definition} itself when it holds no placeholder.
     */
    static JsonNode kept(JsonNode definition, JsonNode previous) {
        if (definition == null || !definition.path("steps").isArray()) {
            return definition;
        }
        JsonNode steps = definition.get("steps");
        boolean any = false;
        for (JsonNode step : steps) {
            any |= isPlaceholder(step.path("webhook").get("secret"));
        }
        if (!any) {
            return definition;
        }
        Map<String, String> secrets = new HashMap<>();
        if (previous != null && previous.path("steps").isArray()) {
            for (JsonNode step : previous.get("steps")) {
                JsonNode secret = step.path("webhook").get("secret");
                if (step.path("id").isString() && secret != null && secret.isString()) {
                    secrets.put(step.get("id").asString(), secret.asString());
                }
            }
        }
        JsonNode copy = definition.deepCopy();
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < copy.get("steps").size(); i++) {
            JsonNode step = copy.get("steps").get(i);
            if (!(step.path("webhook") instanceof ObjectNode settings) || !isPlaceholder(settings.get("secret"))) {
                continue;
            }
            String id = step.path("id").isString() ? step.get("id").asString() : null;
            String secret = id == null ? null : secrets.get(id);
            if (secret == null) {
                errors.add(new FieldError("steps[" + i + "].webhook.secret", "is {\"redacted\": true}, which keeps"
                        + " the secret this step has in the scenario's latest version, but "
                        + (previous == null ? "the scenario is new"
                                : "that version has no step " + (id == null ? "with this id" : "'" + id + "'")
                                        + " with a literal secret")
                        + ": send the secret itself or {\"ref\": \"<name>\"}"));
            } else {
                settings.put("secret", secret);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return copy;
    }

    private static ObjectNode placeholder() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put(REDACTED, true);
        return node;
    }
}
