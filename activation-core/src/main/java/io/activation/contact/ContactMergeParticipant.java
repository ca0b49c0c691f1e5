package io.activation.contact;

import java.time.Instant;

/**
 * State of another package that belongs to a contact and must follow it when an anonymous contact is folded into a
 * known one (journeys, for example). Called by {@link ContactMerger} inside the merge's transaction, with both
 * contacts locked, before the anonymous contact is deleted (its rows in tables that cascade would go with it).
 */
public interface ContactMergeParticipant {

    /** Moves what belongs to {@code fromContactId} to {@code intoContactId}, resolving conflicts its own way. */
    void merged(long fromContactId, long intoContactId, Instant now);
}
