package io.activation.segment;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;

/**
 * A rule compiled to a SQL condition over {@code public.contacts c}: the text holds only catalogue identifiers and
 * {@code ?} placeholders; {@link #bind} supplies the values, "now" and the journey start included, so time is
 * whatever the injected clock says.
 *
 * @param condition a boolean SQL expression over the alias {@code c}
 * @param parameters one per placeholder, in order
 * @param dependencies what can change the outcome for a contact: contact attributes ({@code contacts.country}),
 *        table names ({@code orders}, {@code products}, {@code contact_consents}, ...) and {@code segment:<id>}
 */
public record CompiledRule(String condition, List<Param> parameters, Set<String> dependencies) {

    public CompiledRule {
        parameters = List.copyOf(parameters);
        dependencies = Set.copyOf(dependencies);
    }

    /** A placeholder's value: a constant, or a time resolved when the statement runs. */
    public sealed interface Param {
        record Value(Object value) implements Param {}

        record Now() implements Param {}

        record NowMinusDays(int days) implements Param {}

        record JourneyStart() implements Param {}
    }

    /** Whether the rule needs a journey start to be evaluated. */
    public boolean needsJourneyStart() {
        return parameters.stream().anyMatch(p -> p instanceof Param.JourneyStart);
    }

    /** The values of the placeholders at {@code now}. */
    public Object[] bind(Instant now, Instant journeyStart) {
        Object[] values = new Object[parameters.size()];
        for (int i = 0; i < values.length; i++) {
            Param p = parameters.get(i);
            if (p instanceof Param.Value v) {
                values[i] = jdbc(v.value());
            } else if (p instanceof Param.Now) {
                values[i] = jdbc(now);
            } else if (p instanceof Param.NowMinusDays d) {
                values[i] = jdbc(now.minus(d.days(), ChronoUnit.DAYS));
            } else {
                if (journeyStart == null) {
                    throw new IllegalArgumentException("the rule has a window since journeyStart; the context"
                            + " must carry journeyStart");
                }
                values[i] = jdbc(journeyStart);
            }
        }
        return values;
    }

    private static Object jdbc(Object value) {
        return value instanceof Instant i ? OffsetDateTime.ofInstant(i, ZoneOffset.UTC) : value;
    }
}
