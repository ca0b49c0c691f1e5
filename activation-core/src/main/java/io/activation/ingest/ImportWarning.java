package io.activation.ingest;

/**
 * A value an import dropped without rejecting its line (e.g. a country name it does not know), counted per kind.
 *
 * @param count how many lines had it
 * @param firstLine the first line that had it
 */
public record ImportWarning(String field, String column, String message, long count, long firstLine) {}
