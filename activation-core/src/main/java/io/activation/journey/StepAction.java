package io.activation.journey;

import io.activation.platform.FieldError;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A plug-in step kind (webhook, score, ...): a Spring bean implementing this is found by {@link #kind()}, the JSON
 * key of the step ({@code {"id": "s", "<kind>": {...settings}, "next": "t", "onFailure": "u"}}). It runs inside the
 * engine's transaction for the contact, after the engine has claimed {@link Context#effectKey()} in
 * {@code journey_effects} in that transaction (a visit whose key is claimed does not run again); where its effect
 * leaves the database it passes the key on (an idempotency key, a dedupe key). It must not throw for a failure it can name: it returns {@link Result#failed}, and the
 * journey takes {@code onFailure} when the step has one, else {@code next}.
 */
public interface StepAction {

    String kind();

    /** Problems of the settings, with paths under {@code path}; empty when valid. */
    List<FieldError> validate(JsonNode settings, String path);

    /** Does the step's work; the result is written to the journey's history. */
    Result execute(Context context, JsonNode settings);

    /** What an action knows of the journey. */
    record Context(long contactId, long scenarioId, int scenarioVersion, long instanceId, String stepId,
            String effectKey, Instant journeyStartedAt, JsonNode triggerData, Instant now) {}

    /**
     * What the step came to: a short {@code outcome} and a {@code reason} for the history; {@code failed} sends
     * the journey to the step's {@code onFailure} branch when it has one.
     */
    record Result(String outcome, String reason, boolean failed) {

        public static Result done(String outcome, String reason) {
            return new Result(outcome, reason, false);
        }

        public static Result failed(String outcome, String reason) {
            return new Result(outcome, reason, true);
        }
    }
}
