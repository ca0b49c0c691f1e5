package io.activation.journey;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Journey engine settings ({@code activation.journeys.*}).
 *
 * @param consumerGroup the Kafka consumer group of the engine instances
 * @param concurrency consumers per engine instance (at most the partitions of {@code activation.events} are busy)
 * @param batchSize records of {@code activation.events} a consumer polls and applies in one transaction
 * @param timerPollInterval how often (real time) the poller looks for due timers
 * @param timerBatchSize timers claimed per poll
 * @param timerOutboxLimit no timers are claimed while the outbox holds more messages than this (0: no limit), so a
 *     burst of due timers does not queue every other event of the platform behind it
 * @param timerBacklogLimit no timers are claimed while the engine's consumer group has more records of
 *     {@code activation.events} than this still to apply (0: no limit): a timers-fired record carries the timers of
 *     a poll that share a partition, so the relay no longer holds a burst back, and this keeps the burst from
 *     queueing in the lanes ahead of the contacts' other events
 * @param deadLetterTopic where records the engine cannot apply after retries are published
 * @param appliedRetention how long the ids of applied records are kept to recognise redeliveries; longer than
 *     the retention of {@code activation.events}, past which Kafka cannot redeliver anyway
 * @param schedulePollInterval how often (real time) date and schedule triggers are compared with the clock
 * @param schedulePageSize occurrences (date) or segment members (schedule) announced per transaction
 * @param scheduleCatchUp how far back date occurrences are still announced after the scheduler did not run
 *     (engine down); older ones are skipped
 */
@Validated
@ConfigurationProperties("activation.journeys")
public record JourneyProperties(
        @DefaultValue("activation-journeys") @NotBlank String consumerGroup,
        @DefaultValue("2") @Min(1) @Max(64) int concurrency,
        @DefaultValue("150ms") Duration timerPollInterval,
        @DefaultValue("500") @Min(1) @Max(5000) int batchSize,
        @DefaultValue("200") @Min(1) @Max(10000) int timerBatchSize,
        @DefaultValue("10000") @Min(0) int timerOutboxLimit,
        @DefaultValue("150") @Min(0) int timerBacklogLimit,
        @DefaultValue("activation.journeys.dlt") @NotBlank String deadLetterTopic,
        @DefaultValue("8d") Duration appliedRetention,
        @DefaultValue("5s") Duration schedulePollInterval,
        @DefaultValue("500") @Min(1) @Max(10000) int schedulePageSize,
        @DefaultValue("7d") Duration scheduleCatchUp) {}
