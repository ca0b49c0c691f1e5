package io.activation.journey;

import io.activation.platform.FieldError;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Evaluates the condition step's rule (the shared segment rule JSON) for one contact. The journey engine depends
 * only on this interface; {@link RuleConditions} implements the subset journeys need today and can be replaced by
 * a bean backed by the segment rule compiler.
 */
public interface ConditionEvaluator {

    /** Whether the contact satisfies the rule now; runs in the engine's transaction. */
    boolean test(JsonNode rule, Subject subject);

    /** Problems of the rule (unknown table, attribute, operator), with paths under {@code path}. */
    List<FieldError> validate(JsonNode rule, String path);

    /** Who and when: {@code journeyStartedAt} anchors {@code "window": {"since": "journeyStart"}}. */
    record Subject(long contactId, Instant journeyStartedAt, Instant now) {}
}
