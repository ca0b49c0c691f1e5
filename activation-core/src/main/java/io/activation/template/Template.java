package io.activation.template;

import java.time.Instant;

/** A message template of one channel. */
public record Template(long id, String name, String channel, String subject, String body, Instant createdAt,
        Instant updatedAt) {}
