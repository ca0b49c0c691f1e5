package io.activation.journey;

import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** A journey as read through the API: where a contact stands in a scenario, and how it got there. */
public record JourneyInstance(long id, long scenarioId, int version, long contactId, String status,
        String currentStep, Instant startedAt, Instant endedAt, String triggerKey, JsonNode triggerData,
        Instant waitingUntil, List<HistoryEntry> history) {

    /** One line of history: a step entered (or left), when, with what outcome and why. */
    public record HistoryEntry(String stepId, boolean entered, Instant at, String outcome, String reason) {}
}
