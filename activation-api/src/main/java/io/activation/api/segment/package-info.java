/**
 * The Segment-compatible tracking API under {@code /v1}: a shop instrumented with analytics.js, analytics-java or
 * any other Segment client points it at Activation and keeps its tracking code. The write key is an Activation API
 * key with the {@code ingest} scope, sent as the user name of HTTP Basic authentication.
 *
 * <p>Every call becomes a behavioural event ({@code track} "Product Viewed" is {@code product_viewed}, page and
 * screen calls are {@code page_viewed} and {@code screen_viewed}, identify, group and alias calls are events of
 * those names), with the call's properties or traits and its Segment facts (original name, ids, timestamps,
 * context) under {@code segment}. Identify calls also update the contact from the reserved traits and merge the
 * visitor's anonymous history into the known user. Track calls of Segment's e-commerce spec write the shop's
 * tables (orders, order lines, carts, wishlists) through a declarative mapping ({@code activation.segment.mappings},
 * see {@link io.activation.api.segment.SegmentProperties} and {@link io.activation.api.segment.ValueExpression}).
 *
 * <p>Segment's semantics are kept where clients rely on them: {@code messageId} deduplicates retries (an idempotency
 * key per API key; a retry differs only in {@code sentAt}), the event time is corrected for the device's clock skew
 * ({@code timestamp + receivedAt - sentAt}), and a batch answers 200 with the refused calls listed rather than
 * failing whole. docs/segment.md describes the API for shop developers.
 */
package io.activation.api.segment;
