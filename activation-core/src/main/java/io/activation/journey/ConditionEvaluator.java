package io.activation.journey;

import io.activation.platform.FieldError;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Evaluates the condition step's rule (the shared segment rule JSON) for one contact. The journey engine depends
 * only on this interface; {@link TargetingConditions} implements it with the segment rule compiler, so a journey
 * condition and a segment mean the same thing by the same rule.
 */
public interface ConditionEvaluator {

    /**
     * Whether the contact satisfies the rule now; runs in the engine's transaction. {@code cacheKey} names the rule
     * for as long as it cannot change (a step of an immutable scenario version), so its compiled form can be kept;
     * null compiles it every time.
     *
     * @throws Unusable when the rule no longer fits the data model (a table dropped since activation)
     */
    boolean test(JsonNode rule, String cacheKey, Subject subject);

    /** Problems of the rule (unknown table, attribute, operator, segment), with paths under {@code path}. */
    List<FieldError> validate(JsonNode rule, String path);

    /** Who and when: {@code journeyStartedAt} anchors {@code "window": {"since": "journeyStart"}}. */
    record Subject(long contactId, Instant journeyStartedAt, Instant now) {}

    /** The rule cannot be evaluated any more; nothing was read, the engine's transaction is intact. */
    final class Unusable extends RuntimeException {
        public Unusable(String message) {
            super(message);
        }
    }
}
