package io.activation.segment;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
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
 * @param refreshWorkMem PostgreSQL {@code work_mem} for the transaction of a segment's full refresh (and first
 *     materialisation), e.g. {@code 64MB}; empty (the default): the server's setting, under which a parallel
 *     refresh measured faster than with 64MB (docs/benchmarks.md, segment section)
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
        @DefaultValue("500") @Min(1) int maxSegments,
        @DefaultValue("") @Pattern(regexp = "|[1-9][0-9]{0,6}(kB|MB|GB)",
                message = "must be a size such as 64MB (kB, MB or GB), or empty") String refreshWorkMem) {}
