package io.activation.journey;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Assigns contacts to split buckets deterministically, so a replay or a second journey lands in the same one. */
public final class SplitBuckets {

    private SplitBuckets() {}

    /** A stable bucket 0-99 per contact and scenario (SHA-256 of both). */
    public static int bucket(long contactId, long scenarioId) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest((contactId + ":" + scenarioId)
                    .getBytes(StandardCharsets.UTF_8));
            return (int) Long.remainderUnsigned(ByteBuffer.wrap(hash).getLong(), 100);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
