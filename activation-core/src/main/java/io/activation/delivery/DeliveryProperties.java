package io.activation.delivery;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Delivery settings ({@code activation.delivery.*}).
 *
 * @param messagesTopic the Kafka topic message requests are published to, keyed by contact id; deliveries go to
 *     {@code <messagesTopic>.<channel>}
 * @param messagesTopicPartitions partitions of that topic when the platform creates it
 * @param consumerGroup the consumer group of arbitration (engine role) on the messages topic
 * @param concurrency arbitration consumers per process
 * @param deadLetterTopic where requests arbitration cannot decide after retries are published
 * @param arbitrationWindow how long a marketing request that a frequency cap applies to waits for competing
 *     requests of the same contact before the decision (the higher priority wins the capped slot); 0 decides on
 *     arrival
 * @param defaultTimeZone the time zone of quiet hours for contacts without {@code time_zone}
 * @param assumeChannels channels treated as available although no sender for them runs in this process (senders
 *     run elsewhere, or tests)
 * @param postalAddressAttributes the contact attributes (columns) a print address is made of; a contact missing any
 *     of them is unreachable by print
 * @param pollInterval how often (real time) deferred requests and unconfirmed deliveries are looked for
 * @param pollBatchSize contacts (with due requests) or deliveries handled per poll; the due contacts of a poll are
 *     decided in one transaction
 * @param batchSize message requests read per Kafka poll by each arbitration consumer and decided in one transaction
 */
@Validated
@ConfigurationProperties("activation.delivery")
public record DeliveryProperties(
        @DefaultValue("activation.messages") @NotBlank String messagesTopic,
        @DefaultValue("6") @Min(1) int messagesTopicPartitions,
        @DefaultValue("1") @Min(1) short messagesTopicReplicas,
        @DefaultValue("activation-delivery") @NotBlank String consumerGroup,
        @DefaultValue("2") @Min(1) @Max(64) int concurrency,
        @DefaultValue("activation.messages.dlt") @NotBlank String deadLetterTopic,
        @DefaultValue("1m") @NotNull Duration arbitrationWindow,
        @DefaultValue("UTC") @NotNull ZoneId defaultTimeZone,
        @DefaultValue("") List<String> assumeChannels,
        @DefaultValue({"address_line1", "city", "country"}) List<String> postalAddressAttributes,
        @DefaultValue("500ms") @NotNull Duration pollInterval,
        @DefaultValue("200") @Min(1) @Max(10000) int pollBatchSize,
        @DefaultValue("200") @Min(1) @Max(5000) int batchSize) {

    public DeliveryProperties {
        assumeChannels = assumeChannels == null ? List.of()
                : assumeChannels.stream().map(String::trim).filter(c -> !c.isEmpty()).toList();
        postalAddressAttributes = postalAddressAttributes == null ? List.of()
                : postalAddressAttributes.stream().map(String::trim).filter(c -> !c.isEmpty()).toList();
    }

    /** The topic of one channel's deliveries. */
    public String channelTopic(String channel) {
        return messagesTopic + "." + channel;
    }
}
