package io.activation.segment;

import java.time.Instant;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A named, materialised rule.
 *
 * @param dependencies what can change its outcome for a contact (see {@link CompiledRule#dependencies()})
 * @param refreshedAt when its membership was last recomputed in full
 */
public record Segment(long id, String name, String description, JsonNode rule, Set<String> dependencies,
        long memberCount, Instant createdAt, Instant refreshedAt) {}
