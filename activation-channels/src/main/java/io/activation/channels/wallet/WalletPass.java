package io.activation.channels.wallet;

import java.time.Instant;
import java.util.Map;

/** A stored pass: what the signed {@code .pkpass} is built from. {@code fields} map label keys to values. */
public record WalletPass(String serialNumber, String passTypeIdentifier, long contactId, PassStyle style,
        String authToken, String description, Map<String, String> fields, Instant updatedAt) {}
