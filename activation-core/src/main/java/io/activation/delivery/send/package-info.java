/**
 * The sender runtime: one Kafka consumer group per {@link io.activation.delivery.spi.ChannelSender} on
 * {@code activation.messages.<channel>}, the send ledger on {@code deliveries} (claim committed before the provider
 * call, mark after it, a row found claimed after a crash is in doubt and never sent blindly again), rendering through
 * {@link io.activation.template.MessageRenderer}, retries with {@code Retry-After} or exponential backoff, the
 * dead-letter topic, per-channel rate limits and concurrency, and {@link io.activation.delivery.spi.ProviderFeedback}
 * (delivery receipts, bounces, complaints, SMS STOP/START). Every outcome is a decision in {@code delivery_decisions}
 * and an {@code io.activation.message.*} event on {@code activation.events}, written in the transaction of the mark.
 */
package io.activation.delivery.send;
