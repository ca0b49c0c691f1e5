package io.activation.journey;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** One immutable version of a scenario's definition. */
public record ScenarioVersion(long scenarioId, int version, JsonNode definition, Instant createdAt,
        Instant activatedAt) {}
