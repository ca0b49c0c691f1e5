package io.activation.ingest;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * CSV import settings ({@code activation.imports.*}).
 *
 * @param maxFileSize the largest CSV file accepted (uncompressed when it is uploaded gzip-compressed)
 * @param chunkSize records written per transaction; each commit also records the import's progress
 * @param concurrency imports running at once on this node; later ones wait as QUEUED
 * @param maxQueued imports waiting on this node at most; more are refused until one finishes
 * @param maxErrors line errors kept per import (and kinds of warnings); the counters count them all
 * @param spoolDir where uploaded files wait until they are imported; empty means the system's temporary directory
 * @param staleAfter a queued or running import whose node has not reported for this long is marked failed
 */
@Validated
@ConfigurationProperties("activation.imports")
public record ImportProperties(
        @DefaultValue("1GB") DataSize maxFileSize,
        @DefaultValue("2000") @Min(1) @Max(10000) int chunkSize,
        @DefaultValue("1") @Min(1) @Max(16) int concurrency,
        @DefaultValue("20") @Min(1) int maxQueued,
        @DefaultValue("100") @Min(1) @Max(1000) int maxErrors,
        @DefaultValue("") String spoolDir,
        @DefaultValue("2m") Duration staleAfter) {

    Path spoolPath() {
        return spoolDir.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "activation-imports")
                : Path.of(spoolDir);
    }
}
