/**
 * Delivery: message requests (what a journey's send step or a broadcast asks to be sent, persisted once per
 * deterministic key and published to Kafka {@code activation.messages}), their arbitration (consent, suppression,
 * address, frequency caps, quiet hours, campaign priority, channel priority with fallback, every decision recorded in
 * {@code delivery_decisions}), the deliveries handed to {@code activation.messages.<channel>}, and the sender runtime
 * ({@code delivery.send}) that drives the {@link io.activation.delivery.spi sender SPI}.
 */
package io.activation.delivery;
