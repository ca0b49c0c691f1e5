package io.activation.journey;

/**
 * When a contact may enter a scenario (again): {@code once_ever}, {@code once_at_a_time} (the default),
 * {@code again_after} N days since the last entry, or {@code once_per_trigger_row} (one journey per triggering
 * row, e.g. per cart, whatever the contact's other journeys).
 */
public record EntryRule(Kind kind, int days) {

    public enum Kind { ONCE_EVER, ONCE_AT_A_TIME, AGAIN_AFTER, ONCE_PER_TRIGGER_ROW }

    public static final EntryRule DEFAULT = new EntryRule(Kind.ONCE_AT_A_TIME, 0);
}
