package io.activation.delivery;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Delivery settings ({@code activation.delivery.*}).
 *
 * @param messagesTopic the Kafka topic message requests are published to, keyed by contact id
 * @param messagesTopicPartitions partitions of that topic when the platform creates it
 */
@Validated
@ConfigurationProperties("activation.delivery")
public record DeliveryProperties(
        @DefaultValue("activation.messages") @NotBlank String messagesTopic,
        @DefaultValue("6") @Min(1) int messagesTopicPartitions,
        @DefaultValue("1") @Min(1) short messagesTopicReplicas) {}
