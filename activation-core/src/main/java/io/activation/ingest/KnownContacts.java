package io.activation.ingest;

import io.activation.contact.ContactRef;
import io.activation.contact.ResolvedContacts;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Contact ids of external ids this node has resolved, so that an event of a known contact needs no lookup before
 * its insert. It is a hint, never the truth: the insert that uses it checks in the same statement that the id still
 * carries that external id (a contact deleted, merged away or re-keyed since, here or on another node, fails the
 * check, and the event is written after a real lookup). Bounded: emptied when it outgrows its size.
 */
final class KnownContacts {

    private final int capacity;
    private final Map<String, Long> idsByExternalId = new ConcurrentHashMap<>();

    KnownContacts(int capacity) {
        this.capacity = capacity;
    }

    /** The ids of all {@code refs}, or null when one of them is not an external id known here. */
    ResolvedContacts resolve(Collection<ContactRef> refs) {
        Map<ContactRef, Long> ids = new HashMap<>();
        for (ContactRef ref : refs) {
            Long id = ref.externalId() == null ? null : idsByExternalId.get(ref.externalId());
            if (id == null) {
                return null;
            }
            ids.put(ref, id);
        }
        return new ResolvedContacts(ids, List.of());
    }

    void remember(ResolvedContacts resolved) {
        if (idsByExternalId.size() >= capacity) {
            idsByExternalId.clear();
        }
        resolved.ids().forEach((ref, id) -> {
            if (ref.externalId() != null && id != null) {
                idsByExternalId.put(ref.externalId(), id);
            }
        });
    }

    void forget(Collection<ContactRef> refs) {
        for (ContactRef ref : refs) {
            if (ref.externalId() != null) {
                idsByExternalId.remove(ref.externalId());
            }
        }
    }
}
