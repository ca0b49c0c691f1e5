package io.activation.journey;

import io.activation.journey.webhook.WebhookCaller;
import io.activation.journey.webhook.WebhookResult;
import io.activation.platform.FieldError;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The webhook step: one signed JSON POST through {@link WebhookCaller}, with the visit's effect key as
 * {@code Idempotency-Key}.
 *
 * <p>The call is made inside the engine's transaction for the contact, so it holds the contact's lane for at most
 * the connect timeout plus the step's {@code timeoutSeconds} (capped at 30 s). The effect is claimed in
 * {@code journey_effects} before the call (by the engine, for every plug-in step), in that transaction: once it
 * commits, no replay calls again. If the transaction rolls back after the call (a crash, a later failure in the same record), the claim goes with it and
 * the retried record calls again with the same {@code Idempotency-Key}, which the receiver uses to drop the repeat.
 * The step never retries: a failed call takes {@code onFailure} when the step has one, else {@code next}; either way
 * the history records status, error and duration.
 */
@Component
class WebhookStep implements StepAction {

    static final int MAX_TIMEOUT_SECONDS = 30;
    private static final int MAX_BODY_CHARS = 64 * 1024;
    private static final Set<String> FIELDS = Set.of("url", "secret", "body", "timeoutSeconds");
    private static final Pattern SECRET_REF = Pattern.compile("[a-z0-9_]{1,60}");
    private static final String SECRETS = "activation.webhooks.secrets.";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final WebhookCaller caller;
    private final Environment environment;

    WebhookStep(WebhookCaller caller, Environment environment) {
        this.caller = caller;
        this.environment = environment;
    }

    @Override
    public String kind() {
        return "webhook";
    }

    @Override
    public List<FieldError> validate(JsonNode settings, String path) {
        List<FieldError> errors = new ArrayList<>();
        for (String field : settings.propertyNames()) {
            if (!FIELDS.contains(field)) {
                errors.add(new FieldError(path + "." + field, "is not a setting of the webhook step " + FIELDS));
            }
        }
        JsonNode url = settings.get("url");
        if (url == null || !url.isString()) {
            errors.add(new FieldError(path + ".url", "is required: an http or https URL"));
        } else {
            String refused = refusal(url.asString());
            if (refused != null) {
                errors.add(new FieldError(path + ".url", refused));
            }
        }
        JsonNode secret = settings.get("secret");
        if (secret != null && !secret.isNull()) {
            if (secret.isString()) {
                if (secret.asString().length() < 16 || secret.asString().length() > 200) {
                    errors.add(new FieldError(path + ".secret", "must be 16 to 200 characters"));
                }
            } else if (secret.isObject() && secret.size() == 1 && secret.path("ref").isString()) {
                String ref = secret.get("ref").asString();
                if (!SECRET_REF.matcher(ref).matches()) {
                    errors.add(new FieldError(path + ".secret.ref", "must be 1 to 60 lower-case letters, digits"
                            + " or _"));
                } else if (environment.getProperty(SECRETS + ref) == null) {
                    errors.add(new FieldError(path + ".secret.ref", "is not configured: set " + SECRETS + ref
                            + " (environment: ACTIVATION_WEBHOOKS_SECRETS_" + ref.toUpperCase(java.util.Locale.ROOT)
                            + ")"));
                }
            } else if (WebhookSecrets.isPlaceholder(secret)) {
                errors.add(new FieldError(path + ".secret", "is {\"redacted\": true}, which keeps the step's"
                        + " secret only when a scenario is updated: send the secret (text) or {\"ref\": \"<name>\"}"));
            } else {
                errors.add(new FieldError(path + ".secret", "must be the secret (text) or {\"ref\": \"<name>\"}"));
            }
        }
        JsonNode body = settings.get("body");
        if (body != null && !body.isNull()) {
            if (!body.isObject() && !body.isArray()) {
                errors.add(new FieldError(path + ".body", "must be a JSON object or array"));
            } else if (body.toString().length() > MAX_BODY_CHARS) {
                errors.add(new FieldError(path + ".body", "must be at most 64 KB"));
            }
        }
        JsonNode timeout = settings.get("timeoutSeconds");
        if (timeout != null && !timeout.isNull() && (!timeout.isIntegralNumber() || timeout.asInt() < 1
                || timeout.asInt() > MAX_TIMEOUT_SECONDS)) {
            errors.add(new FieldError(path + ".timeoutSeconds", "must be an integer from 1 to "
                    + MAX_TIMEOUT_SECONDS));
        }
        return errors;
    }

    private String refusal(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "is not a URL: " + e.getReason();
        }
        if (!uri.isAbsolute() || uri.getHost() == null) {
            return "must be an absolute http or https URL with a host";
        }
        if (uri.getRawFragment() != null) {
            return "must not have a fragment";
        }
        String refused = caller.refusal(uri);
        return refused == null ? null : "refused: " + refused;
    }

    @Override
    public Result execute(Context context, JsonNode settings) {
        URI url = URI.create(settings.get("url").asString());
        String target = "POST " + url.getScheme() + "://" + url.getAuthority() + (url.getRawPath() == null ? ""
                : url.getRawPath());
        String secret = null;
        JsonNode s = settings.get("secret");
        if (s != null && s.isString()) {
            secret = s.asString();
        } else if (s != null && s.isObject()) {
            secret = environment.getProperty(SECRETS + s.get("ref").asString());
            if (secret == null) {
                return Result.failed("webhook failed", target + ": secret " + s.get("ref").asString()
                        + " is not configured any more; not called");
            }
        }
        JsonNode timeout = settings.get("timeoutSeconds");
        WebhookResult result = caller.post(url, JSON.writeValueAsString(body(settings.get("body"), context)),
                secret, context.effectKey(), timeout == null || timeout.isNull() ? null
                        : Duration.ofSeconds(timeout.asInt()));
        String took = " in " + result.duration().toMillis() + " ms";
        if (result.ok()) {
            return Result.done("webhook ok", target + ": HTTP " + result.status() + took);
        }
        boolean statusSaid = result.status() == 0 || result.error().contains("HTTP " + result.status());
        return Result.failed("webhook failed", target + ": " + result.error() + (statusSaid ? ""
                : " (HTTP " + result.status() + ")") + took);
    }

    /** The configured body with placeholders resolved, or a default describing the journey. */
    private static JsonNode body(JsonNode template, Context c) {
        if (template != null && !template.isNull()) {
            return StepEffects.resolveDeep(template, c);
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("contactId", c.contactId());
        out.put("scenarioId", c.scenarioId());
        out.put("scenarioVersion", c.scenarioVersion());
        out.put("journeyId", c.instanceId());
        out.put("stepId", c.stepId());
        out.put("occurredAt", c.now().toString());
        out.set("trigger", c.triggerData());
        return out;
    }
}
