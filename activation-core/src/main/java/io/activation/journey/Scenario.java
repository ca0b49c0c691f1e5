package io.activation.journey;

import java.time.Instant;

/** A scenario: its lifecycle status and which version new journeys enter. */
public record Scenario(long id, String name, Status status, int latestVersion, Integer activeVersion,
        Instant createdAt, Instant updatedAt) {

    public enum Status {
        DRAFT, ACTIVE, PAUSED, ARCHIVED;

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
