/**
 * Targeting: the segment rule model (JSON in, records inside), its validation against the data-model catalogue, the
 * one compiler that turns a rule into parameterised SQL over {@code contacts} and the shop's tables, single-contact
 * evaluation for journey conditions, and materialised segment membership kept fresh by a scheduled set-based diff
 * and by re-evaluating one contact when an event that can change a rule's outcome arrives. Entering and leaving a
 * segment are published as {@code io.activation.segment.entered} / {@code exited} through the outbox.
 */
package io.activation.segment;
