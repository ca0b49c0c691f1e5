package io.activation.platform;

/** A part of the platform a process can run. */
public enum Role {
    /** REST API and the outbox relay that publishes accepted changes to Kafka. */
    API,
    /** The journey engine (Kafka consumer group). */
    ENGINE,
    /** Channel senders (Kafka consumer groups per channel). */
    SENDERS,
    /** The marketer console. */
    CONSOLE
}
