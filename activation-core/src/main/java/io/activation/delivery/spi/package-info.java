/**
 * The sender SPI: the only part of the core that {@code activation-channels} may depend on (with
 * {@code io.activation.platform}). A {@link io.activation.delivery.spi.ChannelSender} is the provider side of one
 * channel; the core's sender runtime ({@code io.activation.delivery.send}) consumes
 * {@code activation.messages.<channel>}, keeps the send ledger (claim, send, mark), renders the template and hands
 * each {@link io.activation.delivery.spi.OutboundMessage} to the sender. What a provider reports later (delivery
 * receipts, bounces, complaints, inbound STOP/START) comes back through
 * {@link io.activation.delivery.spi.ProviderFeedback}, which the core implements.
 */
package io.activation.delivery.spi;
