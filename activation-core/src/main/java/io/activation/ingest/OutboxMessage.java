package io.activation.ingest;

/** A message waiting in the outbox: the topic, the partition key (a contact id) and the CloudEvents JSON. */
public record OutboxMessage(String topic, String key, String payload) {}
