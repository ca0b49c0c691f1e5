package io.activation.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Several events of contacts that share a partition of {@code activation.events}, carried by one record (ADR 0022):
 * its {@code data} is {@code {"events": [{"id", "type", "contactId", "data"}, ...]}}, each member exactly the id,
 * type, contact and data it would have as a record of its own, in the order they were produced. The record is keyed
 * by its first member's contact, so it lands on the partition of all of them, behind their earlier records.
 *
 * <p>A consumer that wants the members as events expands the record with {@link #expand} (the engine does); one that
 * has no use for the group's type drops it as it drops any other type.
 */
public final class EventGroups {

    private static final Logger log = LoggerFactory.getLogger(EventGroups.class);

    /** One event of a group: what a record of its own would carry (its subject and time aside). */
    public record Member(UUID id, String type, long contactId, JsonNode data) {}

    private EventGroups() {}

    /**
     * {@code items} split by the partition of their contact (of {@code partitions}), in the order each partition
     * first appears and each group in the items' order; with {@code partitions} 0 (unknown) every item is a group
     * of its own.
     */
    public static <T> List<List<T>> byPartition(List<T> items, ToLongFunction<T> contactId, int partitions) {
        if (partitions <= 0) {
            List<List<T>> singles = new ArrayList<>(items.size());
            for (T item : items) {
                singles.add(List.of(item));
            }
            return singles;
        }
        Map<Integer, List<T>> groups = new LinkedHashMap<>();
        for (T item : items) {
            groups.computeIfAbsent(EventPartitions.partitionOf(contactId.applyAsLong(item), partitions),
                    k -> new ArrayList<>()).add(item);
        }
        return new ArrayList<>(groups.values());
    }

    /** The {@code data} of a group record carrying these members. */
    public static ObjectNode data(List<Member> members) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        ArrayNode events = data.putArray("events");
        for (Member m : members) {
            ObjectNode e = events.addObject();
            e.put("id", m.id().toString());
            e.put("type", m.type());
            e.put("contactId", m.contactId());
            e.set("data", m.data());
        }
        return data;
    }

    /**
     * The members of a group record, from its {@code data}; a malformed member (no UUID id, no type, no numeric
     * contact, data not an object) is skipped with a warning naming the record {@code groupId}, the others kept.
     */
    public static List<Member> expand(Object groupId, JsonNode data) {
        JsonNode events = data == null ? null : data.path("events");
        if (events == null || !events.isArray()) {
            log.warn("Skipping group record {}: it has no data.events", groupId);
            return List.of();
        }
        List<Member> members = new ArrayList<>(events.size());
        for (JsonNode e : events) {
            Member m = member(e);
            if (m == null) {
                log.warn("Skipping a malformed event of group record {}", groupId);
            } else {
                members.add(m);
            }
        }
        return members;
    }

    private static Member member(JsonNode e) {
        JsonNode id = e.path("id");
        JsonNode type = e.path("type");
        JsonNode contact = e.path("contactId");
        JsonNode data = e.path("data");
        if (!id.isString() || !type.isString() || !contact.canConvertToLong() || !data.isObject()) {
            return null;
        }
        UUID uuid;
        try {
            uuid = UUID.fromString(id.stringValue());
        } catch (IllegalArgumentException x) {
            return null;
        }
        return new Member(uuid, type.stringValue(), contact.asLong(), data);
    }
}
