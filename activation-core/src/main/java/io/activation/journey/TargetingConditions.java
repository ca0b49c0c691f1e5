package io.activation.journey;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.segment.CompiledRule;
import io.activation.segment.Targeting;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Journey conditions by the segment rule compiler ({@link Targeting}): one rule language, one meaning, every rule
 * kind segments have (consent, RFM, interests, relations, calendar operators) and {@code {"since": "journeyStart"}}
 * windows. A step's rule is compiled once into its single-contact SQL and kept under the step's key (scenario,
 * version, step: immutable) for a minute, so a data model change or a segment re-created under the same name is
 * picked up soon without compiling for every contact.
 */
@Component
class TargetingConditions implements ConditionEvaluator {

    private static final Duration MAX_AGE = Duration.ofMinutes(1);
    private static final int MAX_ENTRIES = 10_000;

    private final Targeting targeting;
    private final Map<String, Cached> compiled = new ConcurrentHashMap<>();

    private record Cached(CompiledRule rule, long at) {}

    TargetingConditions(Targeting targeting) {
        this.targeting = targeting;
    }

    @Override
    public boolean test(JsonNode rule, String cacheKey, Subject subject) {
        CompiledRule singleContact = compiled(rule, cacheKey);
        return targeting.matches(singleContact, subject.contactId(), Map.of("journeyStart",
                subject.journeyStartedAt()));
    }

    private CompiledRule compiled(JsonNode rule, String cacheKey) {
        long now = System.nanoTime();
        Cached cached = cacheKey == null ? null : compiled.get(cacheKey);
        if (cached != null && now - cached.at() < MAX_AGE.toNanos()) {
            return cached.rule();
        }
        CompiledRule fresh;
        try {
            fresh = targeting.compileForContact(rule, "rule");
        } catch (InvalidInputException e) {
            compiled.remove(cacheKey == null ? "" : cacheKey);
            throw new Unusable(e.errors().stream().map(f -> f.field() + ": " + f.message())
                    .collect(Collectors.joining("; ")));
        }
        if (cacheKey != null) {
            if (compiled.size() >= MAX_ENTRIES) {
                compiled.clear();
            }
            compiled.put(cacheKey, new Cached(fresh, now));
        }
        return fresh;
    }

    @Override
    public List<FieldError> validate(JsonNode rule, String path) {
        try {
            targeting.validate(rule, path, true);
            return List.of();
        } catch (InvalidInputException e) {
            return e.errors();
        }
    }
}
