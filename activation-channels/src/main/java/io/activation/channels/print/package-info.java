/**
 * The print channel: the sender spools each addressed letter (HTML) in {@code print_letters} and answers at once;
 * a scheduled job ({@code activation.channels.print.schedule}, role senders) writes batches for the print house
 * into {@code activation.channels.print.directory}: per batch a directory with {@code recipients.csv} (RFC 4180,
 * UTF-8), one PDF per letter under {@code letters/} and {@code manifest.json}, written in a hidden temporary
 * directory and renamed into place, each letter in exactly one batch even when the job crashes mid-batch.
 * Switched on by {@code activation.channels.print.directory}.
 */
package io.activation.channels.print;
