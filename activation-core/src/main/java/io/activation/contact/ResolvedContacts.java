package io.activation.contact;

import io.activation.datamodel.StoredRow;
import java.util.List;
import java.util.Map;

/**
 * The outcome of resolving contact refs: the id of each ref and the contacts that had to be created (a change
 * event is due for each).
 */
public record ResolvedContacts(Map<ContactRef, Long> ids, List<StoredRow> created) {

    /** Whether the ref names a contact; false only for an internal id that does not exist. */
    public boolean has(ContactRef ref) {
        return ids.containsKey(ref);
    }

    /** The message for a ref that {@link #has} not resolved. */
    public static String unknown(ContactRef ref) {
        return "There is no contact with id " + ref.contactId();
    }

    public long id(ContactRef ref) {
        Long id = ids.get(ref);
        if (id == null) {
            throw new IllegalStateException("Unresolved contact " + ref);
        }
        return id;
    }
}
