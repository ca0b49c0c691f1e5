package io.activation.segment.value;

import java.math.BigDecimal;
import java.time.Instant;

/** A contact's RFM figures and scores in one model. */
public record RfmScore(String model, long contactId, int recencyDays, long frequency, BigDecimal monetary, int r,
        int f, int m, String group, Instant computedAt) {}
