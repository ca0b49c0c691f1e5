package io.activation.journey;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One step of a scenario. Each kind names its successors; {@link #waits()} says whether the journey pauses there
 * (a loop must pass through such a step).
 */
public sealed interface Step {

    String id();

    /** The steps this one can lead to (null entries are missing branches, reported by validation). */
    List<String> successors();

    default boolean waits() {
        return false;
    }

    record Wait(String id, Duration duration, String next) implements Step {
        public List<String> successors() {
            return list(next);
        }

        @Override
        public boolean waits() {
            return true;
        }
    }

    /**
     * Waits until the next local time of day (on one of the weekdays, or on the date held by a contact date
     * attribute) in the contact's time zone, else the step's {@code timeZone}, else the scenario's.
     */
    record WaitUntil(String id, LocalTime time, Set<DayOfWeek> weekdays, String dateAttribute, ZoneId zone,
            String next) implements Step {
        public List<String> successors() {
            return list(next);
        }

        @Override
        public boolean waits() {
            return true;
        }
    }

    record WaitForEvent(String id, String eventType, JsonNode where, Duration timeout, String onEvent,
            String onTimeout) implements Step {
        public List<String> successors() {
            return list(onEvent, onTimeout);
        }

        @Override
        public boolean waits() {
            return true;
        }
    }

    record Condition(String id, JsonNode rule, String then, String otherwise) implements Step {
        public List<String> successors() {
            return list(then, otherwise);
        }
    }

    /** A/B split: variants with percentages and a holdout (exits), sticky per contact. */
    record Split(String id, List<Variant> variants, int holdout) implements Step {
        public record Variant(String name, int percent, String next) {}

        public List<String> successors() {
            List<String> out = new ArrayList<>();
            variants.forEach(v -> out.add(v.next()));
            return out;
        }
    }

    /** Asks delivery to send a message: channels in order of preference, and how it may be delivered. */
    record Send(String id, List<io.activation.delivery.MessageRequest.ChannelChoice> channels,
            io.activation.delivery.SendOptions options, String next) implements Step {
        public Send(String id, List<io.activation.delivery.MessageRequest.ChannelChoice> channels, String next) {
            this(id, channels, io.activation.delivery.SendOptions.DEFAULT, next);
        }

        public List<String> successors() {
            return list(next);
        }
    }

    /** Sets contact attributes (column names) to the given values, through ingestion. */
    record UpdateContact(String id, ObjectNode attributes, String next) implements Step {
        public List<String> successors() {
            return list(next);
        }
    }

    /**
     * Upserts a row of a table, through ingestion. String values may hold placeholders ({@code ${instance.id}},
     * {@code ${trigger.key}}, {@code ${trigger.values.<column>}}, {@code ${contact.externalId}}).
     */
    record UpdateRow(String id, String table, ObjectNode values, String next) implements Step {
        public List<String> successors() {
            return list(next);
        }
    }

    /**
     * A step done by a plug-in {@link StepAction} (webhook, score, ...): runs, then goes on to {@code next}, or to
     * {@code onFailure} (when given) if the action failed.
     */
    record Action(String id, String kind, JsonNode settings, String next, String onFailure) implements Step {
        public List<String> successors() {
            return onFailure == null ? list(next) : list(next, onFailure);
        }
    }

    record Exit(String id) implements Step {
        public List<String> successors() {
            return List.of();
        }
    }

    private static List<String> list(String... ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            out.add(id);
        }
        return out;
    }
}
