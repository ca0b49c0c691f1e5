package io.activation.segment;

import java.time.Instant;

/** A segment a contact is in, and since when. */
public record ContactSegment(long segmentId, String segment, Instant enteredAt) {}
