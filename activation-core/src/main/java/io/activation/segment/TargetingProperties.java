package io.activation.segment;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.time.ZoneId;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Segment settings ({@code activation.targeting.*}; {@code activation.segment.*} is the Segment-compatible tracking
 * API's).
 *
 * @param refreshInterval how often every segment is recomputed in full (time-relative rules change with time alone)
 * @param defaultTimeZone the calendar of date-relative conditions for contacts without a time zone
 * @param previewSample contacts shown by a preview
 * @param previewTimeout the longest a preview or explain may run
 * @param previewExactUpTo up to this many contacts, a preview counts exactly even when the rule reads other tables
 * @param previewEstimateSample contacts a preview samples (on average) when it estimates
 * @param maxSegments segments an installation may define
 */
@Validated
@ConfigurationProperties("activation.targeting")
public record TargetingProperties(
        @DefaultValue("5m") Duration refreshInterval,
        @DefaultValue("UTC") ZoneId defaultTimeZone,
        @DefaultValue("10") @Min(0) @Max(100) int previewSample,
        @DefaultValue("10s") Duration previewTimeout,
        @DefaultValue("200000") @Min(0) long previewExactUpTo,
        @DefaultValue("10000") @Min(100) int previewEstimateSample,
        @DefaultValue("500") @Min(1) int maxSegments) {}
