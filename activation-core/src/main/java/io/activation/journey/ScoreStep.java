package io.activation.journey;

import io.activation.platform.FieldError;
import io.activation.segment.value.Scores;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The score step, {@code {"score": {"name": "engagement", "points": 10}}}: adds points to one of the contact's
 * behaviour scores through {@link Scores#add}, under the visit's effect key, so a replayed step adds nothing (the
 * score ledger is unique by key). A score deleted since the scenario was activated fails the step.
 */
@Component
class ScoreStep implements StepAction {

    private static final BigDecimal MAX_POINTS = new BigDecimal("1000000");

    private final Scores scores;

    ScoreStep(Scores scores) {
        this.scores = scores;
    }

    @Override
    public String kind() {
        return "score";
    }

    @Override
    public List<FieldError> validate(JsonNode settings, String path) {
        List<FieldError> errors = new ArrayList<>();
        for (String field : settings.propertyNames()) {
            if (!field.equals("name") && !field.equals("points")) {
                errors.add(new FieldError(path + "." + field, "is not a setting of the score step (name, points)"));
            }
        }
        JsonNode name = settings.get("name");
        if (name == null || !name.isString() || name.asString().isBlank()) {
            errors.add(new FieldError(path + ".name", "is required: the name of a score (/api/v1/scores)"));
        } else if (scores.find(name.asString()).isEmpty()) {
            errors.add(new FieldError(path + ".name", "unknown score: there is no score '" + name.asString() + "'"));
        }
        JsonNode points = settings.get("points");
        if (points == null || !points.isNumber()) {
            errors.add(new FieldError(path + ".points", "is required: a number of points (negative takes away)"));
        } else if (points.decimalValue().signum() == 0 || points.decimalValue().abs().compareTo(MAX_POINTS) > 0
                || points.decimalValue().scale() > 2) {
            errors.add(new FieldError(path + ".points", "must be a non-zero number of at most 1000000 with at most"
                    + " two decimals"));
        }
        return errors;
    }

    @Override
    public Result execute(Context context, JsonNode settings) {
        String name = settings.get("name").asString();
        BigDecimal points = settings.get("points").decimalValue();
        if (scores.find(name).isEmpty()) {
            // Checked before Scores.add, whose exception would mark the engine's transaction rollback-only.
            return Result.failed("score failed", "there is no score '" + name + "' any more");
        }
        BigDecimal value = scores.add(context.contactId(), name, points, context.effectKey());
        return Result.done("score added", name + (points.signum() > 0 ? " +" : " ") + points.toPlainString()
                + " = " + value.toPlainString());
    }
}
