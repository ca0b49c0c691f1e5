package io.activation.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.ingest.ChangeEvents;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The listener drops records by type before parsing: every type its rules can depend on must pass that filter. */
class MembershipListenerTypesTest {

    private static final JsonNode DATA = JsonMapper.builder().build().readTree("""
            {"contactId": 1, "changed": ["email"], "table": "orders", "segmentId": 2, "score": "engagement"}""");

    @Test
    void everyTypeThatChangesSomethingPassesTheFilterAndOnlyThose() {
        List<String> types = List.of(ChangeEvents.CONTACT_CREATED, ChangeEvents.CONTACT_UPDATED,
                ChangeEvents.CONTACT_DELETED, ChangeEvents.CONTACT_MERGED, ChangeEvents.ROW_CREATED,
                ChangeEvents.ROW_UPDATED, ChangeEvents.ROW_DELETED, ChangeEvents.EVENT_RECORDED,
                SegmentMemberships.ENTERED, SegmentMemberships.EXITED, "io.activation.consent.changed",
                "io.activation.rfm.group-changed", "io.activation.interests.changed",
                MembershipListener.REFERENCE_CHANGED, "io.activation.score.threshold-reached",
                "io.activation.journey.timer-fired", "io.activation.message.sent");
        for (String type : types) {
            assertThat(MembershipListener.TYPES.contains(type)).as(type)
                    .isEqualTo(!MembershipListener.changed(type, DATA).isEmpty());
        }
        assertThat(MembershipListener.TYPES).isSubsetOf(types);
    }
}
