package io.activation.datamodel;

import io.activation.platform.FieldError;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What happened to one row of a write.
 *
 * @param previous the values of the changed attributes before the write (empty for a new row)
 * @param changed the attributes whose value changed ({@code contact_id} included when the owner changed)
 * @param errorCode for a rejected row, the stable error kind ({@code invalid-input}, {@code limit-exceeded})
 */
public record RowResult(Status status, StoredRow row, Map<String, Object> previous, Set<String> changed,
        String errorCode, List<FieldError> errors) {

    public enum Status {
        CREATED, UPDATED, UNCHANGED, REJECTED
    }

    public static RowResult rejected(String code, List<FieldError> errors) {
        return new RowResult(Status.REJECTED, null, Map.of(), Set.of(), code, List.copyOf(errors));
    }

    public boolean accepted() {
        return status != Status.REJECTED;
    }

    /** Whether the stored data changed, so a change event is due. */
    public boolean changedData() {
        return status == Status.CREATED || status == Status.UPDATED;
    }
}
