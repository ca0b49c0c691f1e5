/**
 * Intake of everything a shop sends: contacts, rows of its tables, behavioural events. {@link
 * io.activation.ingest.Ingestion} is the application service: in one transaction it validates, resolves contacts,
 * writes through the data model's one write path and appends a CloudEvents change event per accepted record to the
 * transactional {@link io.activation.ingest.Outbox}. {@link io.activation.ingest.OutboxRelay} publishes the outbox
 * to Kafka ({@code activation.events}, keyed by contact id) after commit, so a 2xx means committed and Kafka being
 * down only makes the outbox grow. {@link io.activation.ingest.IdempotencyKeys} gives writes Stripe's idempotency
 * semantics. {@link io.activation.ingest.CsvImporter} imports CSV files through the same path: a declarative
 * {@link io.activation.ingest.ImportMapping} turns each record into a row, chunks are written in one transaction each
 * with their progress, and per-line errors are kept with the import.
 */
package io.activation.ingest;
