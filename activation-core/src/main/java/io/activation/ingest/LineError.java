package io.activation.ingest;

/**
 * Why one line of an import was rejected.
 *
 * @param line the line of the file the record starts on (the header is line 1)
 * @param field the attribute ({@code contact} for the row's contact, {@code line} for the record as a whole)
 * @param column the CSV column (or template) the value came from; null when the error is not about one value
 */
public record LineError(long line, String field, String column, String message) {}
