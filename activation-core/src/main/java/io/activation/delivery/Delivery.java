package io.activation.delivery;

import java.time.Instant;

/** One row of the send ledger: a request handed to one channel (for push, to one device token). */
public record Delivery(long id, long requestId, long contactId, String channel, String template, String messageKey,
        String address, String purpose, int priority, Long scenarioId, String status, int attempts,
        Instant nextAttemptAt, Instant sentAt, Instant confirmBy, String providerId, String lastError,
        Instant fallenBackAt, Instant createdAt, Instant updatedAt) {}
