package io.activation.journey;

import io.activation.platform.FieldError;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A plug-in step kind (e.g. webhook, add-to-score): a Spring bean implementing this is found by {@link #kind()},
 * the JSON key of the step ({@code {"id": "s", "<kind>": {...settings}, "next": "t"}}). It runs inside the
 * engine's transaction for the contact; it must be idempotent by {@link Context#effectKey()}, which is the same
 * when a step is replayed.
 */
public interface StepAction {

    String kind();

    /** Problems of the settings, with paths under {@code path}; empty when valid. */
    List<FieldError> validate(JsonNode settings, String path);

    /** Does the step's work; returns a short outcome for the journey's history. */
    String execute(Context context, JsonNode settings);

    /** What an action knows of the journey. */
    record Context(long contactId, long scenarioId, int scenarioVersion, long instanceId, String stepId,
            String effectKey, Instant journeyStartedAt, JsonNode triggerData, Instant now) {}
}
