/**
 * Delivery: message requests today (what a journey's send step asks to be sent, persisted once per deterministic
 * key and published to Kafka {@code activation.messages}); arbitration and the sender SPI come next.
 */
package io.activation.delivery;
