package io.activation.segment;

import io.activation.contact.ContactFields;
import io.activation.ingest.ChangeEvents;
import io.activation.platform.BackgroundConsumers;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import io.activation.segment.value.Interests;
import io.activation.segment.value.Rfm;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Incremental membership: a change event on {@code activation.events} re-evaluates, for its contact only, the
 * segments whose rules depend on what changed. Re-evaluation is idempotent (it moves stored membership towards the
 * rule's current answer), so a redelivered event changes nothing twice. A change of an RFM group or of an interest
 * profile re-evaluates the segments testing RFM or interests; a reference row's change reaches the contacts linked
 * to it through the reference fan-out's per-contact event. Time alone is left to the scheduled refresh.
 */
@Component
@ConditionalOnRole(Role.ENGINE)
class MembershipListener {

    private static final Logger log = LoggerFactory.getLogger(MembershipListener.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** {@code io.activation.journey.source.ReferenceFanout.REFERENCE_CHANGED}; docs/journey-sources.md. */
    static final String REFERENCE_CHANGED = "io.activation.row.reference-changed";

    /** The types {@link #changed} can turn into dependencies; any other record is dropped before parsing. */
    static final Set<String> TYPES = Set.of(ChangeEvents.CONTACT_CREATED, ChangeEvents.CONTACT_MERGED,
            ChangeEvents.CONTACT_UPDATED, ChangeEvents.ROW_CREATED, ChangeEvents.ROW_UPDATED, ChangeEvents.ROW_DELETED,
            SegmentMemberships.ENTERED, SegmentMemberships.EXITED, "io.activation.consent.changed", Rfm.GROUP_CHANGED,
            Interests.CHANGED, REFERENCE_CHANGED, "io.activation.score.threshold-reached");

    private final Targeting targeting;

    MembershipListener(Targeting targeting) {
        this.targeting = targeting;
    }

    // Earliest: a new group must not miss what was published while it joined; re-evaluation is idempotent.
    // Batches: an order with its lines is several events of one contact, evaluated once; and one statement per
    // segment serves all the contacts of a batch (an import creates thousands).
    @KafkaListener(id = "activation-segments", topics = "${activation.ingest.events-topic:activation.events}",
            batch = "true", properties = {"auto.offset.reset=earliest", BackgroundConsumers.FETCH_MIN_BYTES,
                    BackgroundConsumers.FETCH_MAX_WAIT_MS})
    void on(List<String> payloads) {
        Map<Long, Set<String>> changedByContact = new LinkedHashMap<>();
        for (String payload : payloads) {
            // Most of the topic is behavioural events no rule depends on: the type, read first, drops them.
            if (!TYPES.contains(ChangeEvents.typeOf(payload))) {
                continue;
            }
            JsonNode event;
            try {
                event = JSON.readTree(payload);
            } catch (JacksonException e) {
                log.warn("Skipping an event that is not JSON: {}", e.getOriginalMessage());
                continue;
            }
            JsonNode contactId = event.at("/data/contactId");
            if (!contactId.canConvertToLong()) {
                continue;
            }
            Set<String> changed = changed(event.path("type").asString(""), event.path("data"));
            if (!changed.isEmpty()) {
                changedByContact.computeIfAbsent(contactId.longValue(), id -> new HashSet<>()).addAll(changed);
            }
        }
        if (!changedByContact.isEmpty()) {
            targeting.reevaluate(changedByContact);
        }
    }

    /** What an event can have changed, in the terms of {@link CompiledRule#dependencies()}. */
    static Set<String> changed(String type, JsonNode data) {
        return switch (type) {
            // A new contact can match any rule (no orders, count = 0, is_null), a merged one anything.
            case ChangeEvents.CONTACT_CREATED, ChangeEvents.CONTACT_MERGED -> Set.of("*");
            case ChangeEvents.CONTACT_UPDATED -> {
                Set<String> columns = new HashSet<>();
                data.path("changed").forEach(name -> columns.add("contacts."
                        + ContactFields.column(name.asString("")).orElse(name.asString(""))));
                yield columns;
            }
            case ChangeEvents.ROW_CREATED, ChangeEvents.ROW_UPDATED, ChangeEvents.ROW_DELETED ->
                    data.path("table").isString() ? Set.of(data.path("table").stringValue()) : Set.of();
            case SegmentMemberships.ENTERED, SegmentMemberships.EXITED ->
                    Set.of("segment:" + data.path("segmentId").asLong());
            case "io.activation.consent.changed" -> Set.of(SegmentCompiler.CONSENTS);
            case Rfm.GROUP_CHANGED -> Set.of(SegmentCompiler.RFM);
            case Interests.CHANGED -> Set.of(SegmentCompiler.INTERESTS);
            // A reference row (a product) changed under the contact's linking row (a wishlist item): for rules
            // joining through the relation that is a change of the linking table. The type is matched by its
            // string: the fan-out lives in journey.source, which this package must not depend on.
            case REFERENCE_CHANGED ->
                    data.path("table").isString() ? Set.of(data.path("table").stringValue()) : Set.of();
            case "io.activation.score.threshold-reached" -> {
                Set<String> scores = new HashSet<>(Set.of(SegmentCompiler.RFM, SegmentCompiler.INTERESTS));
                if (data.path("score").isString()) {
                    scores.add("contacts." + data.path("score").stringValue());
                    scores.add("contacts.score_" + data.path("score").stringValue());
                }
                yield scores;
            }
            default -> Set.of();
        };
    }
}
