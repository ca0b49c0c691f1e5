package io.activation.segment;

import java.util.List;

/** The contacts that entered and exited a segment in one refresh (each published as an event). */
public record MembershipChanges(List<Long> entered, List<Long> exited) {

    public MembershipChanges {
        entered = List.copyOf(entered);
        exited = List.copyOf(exited);
    }
}
