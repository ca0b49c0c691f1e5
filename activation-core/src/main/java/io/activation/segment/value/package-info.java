/**
 * Customer value: RFM models ({@link io.activation.segment.value.Rfm}), behaviour scores
 * ({@link io.activation.segment.value.Scores}), interest profiles and the secondary (gift / incidental) profile
 * ({@link io.activation.segment.value.Interests}). Everything is computed set-based in PostgreSQL into tables the
 * segment compiler reads ({@code rfm_scores}, {@code contact_interests}); behaviour scores are contact attributes
 * {@code score_<name>} written through ingestion, so segments, templates and journeys see them like any attribute.
 */
package io.activation.segment.value;
