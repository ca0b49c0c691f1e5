package io.activation.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * At most {@code maxMessages} marketing messages to one contact within any {@code window} (sliding): across all
 * channels ({@link Scope#GLOBAL}), on one channel ({@link Scope#CHANNEL}), or from one scenario
 * ({@link Scope#SCENARIO}: the scenario {@code scenarioId}, or each scenario on its own when null).
 */
public record FrequencyCap(long id, String name, Scope scope, String channel, Long scenarioId, int maxMessages,
        Duration window, Instant createdAt, Instant updatedAt) {

    public enum Scope {
        GLOBAL, CHANNEL, SCENARIO;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether the cap counts a request of this scenario on this channel. */
    boolean applies(String requestChannel, Long requestScenarioId) {
        return switch (scope) {
            case GLOBAL -> true;
            case CHANNEL -> channel.equals(requestChannel);
            case SCENARIO -> requestScenarioId != null && (scenarioId == null || scenarioId.equals(requestScenarioId));
        };
    }

    /** Whether it applies to some channel of a request (caps that are not per channel apply to all of them). */
    boolean appliesToAny(java.util.List<String> channels, Long requestScenarioId) {
        return channels.stream().anyMatch(c -> applies(c, requestScenarioId));
    }

    String describe() {
        String what = switch (scope) {
            case GLOBAL -> "marketing messages on any channel";
            case CHANNEL -> "marketing " + channel + " messages";
            case SCENARIO -> "marketing messages of " + (scenarioId == null ? "one scenario" : "scenario "
                    + scenarioId);
        };
        return "cap '" + name + "' (" + maxMessages + " " + what + " per " + window + ")";
    }
}
