package io.activation.segment;

import java.time.Instant;

/** One member of a segment, as broadcasts and the members endpoint page through them. */
public record SegmentMember(long contactId, String externalId, Instant enteredAt) {}
