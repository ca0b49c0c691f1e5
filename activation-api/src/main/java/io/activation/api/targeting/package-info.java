/**
 * REST for segments (targeting): define, validate, preview, explain, refresh; membership pages and the segments of
 * a contact. Not to be confused with {@code io.activation.api.segment}, the Segment-compatible tracking API.
 */
package io.activation.api.targeting;
