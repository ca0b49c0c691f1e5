package io.activation.api.segment;

import io.activation.api.segment.MessagePlanner.PlannedMessage;
import io.activation.api.segment.SegmentMessage.Type;
import io.activation.api.segment.SegmentProperties.Action;
import io.activation.api.segment.TableMappings.PlannedRow;
import io.activation.contact.ContactResolver;
import io.activation.contact.Contacts;
import io.activation.datamodel.RowResult;
import io.activation.datamodel.StoredRow;
import io.activation.ingest.Ingestion;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes planned calls in the caller's transaction, in their order: a run of track, page, screen, group and alias
 * calls is recorded with one call of {@link Ingestion#recordEvents}, then the (userId, anonymousId) pairs it
 * carries are linked, then its table rows are written table by table; an identify call ends the run and is
 * written alone (contact, anonymous history merged, {@code identify} event).
 */
@Component
class MessageWriter {

    static final String ORIGIN = "segment";

    /**
     * The core refused a call that passed every check (a required custom contact attribute, say). The
     * transaction is lost; the caller retries the calls one transaction each, so only this one is refused.
     */
    static final class MessageRefused extends RuntimeException {
        final int index;
        final String code;
        final List<FieldError> errors;

        MessageRefused(int index, String code, List<FieldError> errors) {
            super(errors.isEmpty() ? code : errors.get(0).field() + ": " + errors.get(0).message(), null, false,
                    false);
            this.index = index;
            this.code = code;
            this.errors = List.copyOf(errors);
        }
    }

    private record Pair(String userId, String anonymousId) {}

    private record OwnedRow(PlannedMessage owner, PlannedRow row) {}

    private final Ingestion ingestion;
    private final ContactResolver resolver;
    private final Contacts contacts;

    MessageWriter(Ingestion ingestion, ContactResolver resolver, Contacts contacts) {
        this.ingestion = ingestion;
        this.resolver = resolver;
        this.contacts = contacts;
    }

    /** Writes the calls; the result of each, by its {@link PlannedMessage#index()}. */
    @Transactional(propagation = Propagation.MANDATORY)
    public Map<Integer, ObjectNode> write(List<PlannedMessage> messages) {
        Map<Integer, ObjectNode> results = new HashMap<>();
        List<PlannedMessage> run = new ArrayList<>();
        for (PlannedMessage message : messages) {
            if (message.message().type() == Type.IDENTIFY) {
                writeRun(run, results);
                run = new ArrayList<>();
                identify(message, results);
            } else {
                run.add(message);
            }
        }
        writeRun(run, results);
        return results;
    }

    private void identify(PlannedMessage planned, Map<Integer, ObjectNode> results) {
        SegmentMessage message = planned.message();
        Ingestion.Identified identified;
        try {
            identified = ingestion.identify(message.userId(), message.anonymousId(), planned.contactValues(), ORIGIN);
        } catch (InvalidInputException e) {
            throw new MessageRefused(planned.index(), e.code(), e.errors().stream()
                    .map(error -> new FieldError(traitField(error.field()), error.message())).toList());
        }
        Ingestion.EventResult recorded = ingestion.recordEvents(List.of(planned.event()), ORIGIN).get(0);
        refuseIfRejected(planned, recorded);
        ObjectNode result = accepted(recorded, planned.warnings());
        if (identified.mergedContactId() != null) {
            result.put("mergedContactId", identified.mergedContactId());
        }
        results.put(planned.index(), result);
    }

    private void writeRun(List<PlannedMessage> run, Map<Integer, ObjectNode> results) {
        if (run.isEmpty()) {
            return;
        }
        List<Ingestion.EventResult> recorded = ingestion.recordEvents(
                run.stream().map(PlannedMessage::event).toList(), ORIGIN);
        for (int i = 0; i < run.size(); i++) {
            refuseIfRejected(run.get(i), recorded.get(i));
        }
        Set<Pair> pairs = new LinkedHashSet<>();
        for (PlannedMessage planned : run) {
            SegmentMessage message = planned.message();
            if (message.userId() != null && message.anonymousId() != null) {
                pairs.add(new Pair(message.userId(), message.anonymousId()));
            }
        }
        pairs.forEach(this::link);
        Map<Integer, List<FieldError>> rowWarnings = writeRows(run);
        for (int i = 0; i < run.size(); i++) {
            PlannedMessage planned = run.get(i);
            List<FieldError> warnings = new ArrayList<>(planned.warnings());
            warnings.addAll(rowWarnings.getOrDefault(planned.index(), List.of()));
            results.put(planned.index(), accepted(recorded.get(i), warnings));
        }
    }

    /**
     * A call that names both the user and the visitor ties them together, as identify does: the visitor's
     * anonymous history is folded into the user. Skipped when the link already exists.
     */
    private void link(Pair pair) {
        Optional<Long> current = resolver.anonymous(pair.anonymousId());
        Optional<StoredRow> known = contacts.byExternalId(pair.userId());
        if (current.isPresent() && known.isPresent() && current.get() == known.get().id()) {
            return;
        }
        ingestion.identify(pair.userId(), pair.anonymousId(), JsonNodeFactory.instance.objectNode(), ORIGIN);
    }

    /**
     * Writes the rows of a run table by table (tables in order of first use, rows in the order of their calls;
     * consecutive rows with the same action in one call of the core). A row the table refuses (a required value
     * missing) is skipped with a warning on its call; the call's event stays.
     */
    private Map<Integer, List<FieldError>> writeRows(List<PlannedMessage> run) {
        Map<String, List<OwnedRow>> byTable = new LinkedHashMap<>();
        for (PlannedMessage planned : run) {
            for (PlannedRow row : planned.rows()) {
                byTable.computeIfAbsent(row.table(), t -> new ArrayList<>()).add(new OwnedRow(planned, row));
            }
        }
        Map<Integer, List<FieldError>> warnings = new HashMap<>();
        byTable.forEach((table, rows) -> {
            int from = 0;
            while (from < rows.size()) {
                Action action = rows.get(from).row().action();
                int to = from;
                while (to < rows.size() && rows.get(to).row().action() == action) {
                    to++;
                }
                List<OwnedRow> chunk = rows.subList(from, to);
                if (action == Action.DELETE) {
                    chunk.forEach(owned -> ingestion.deleteRow(table, owned.row().key(), ORIGIN));
                } else {
                    List<RowResult> written = ingestion.upsertRows(table, chunk.stream()
                            .map(owned -> new Ingestion.RowInput(owned.row().contact(), owned.row().values()))
                            .toList(), ORIGIN);
                    for (int i = 0; i < written.size(); i++) {
                        RowResult result = written.get(i);
                        if (!result.accepted()) {
                            OwnedRow owned = chunk.get(i);
                            warnings.computeIfAbsent(owned.owner().index(), k -> new ArrayList<>()).add(
                                    new FieldError(owned.row().source(), "the row of table '" + table
                                            + "' was not written: " + describe(result.errors())));
                        }
                    }
                }
                from = to;
            }
        });
        return warnings;
    }

    private static void refuseIfRejected(PlannedMessage planned, Ingestion.EventResult result) {
        if (!result.accepted()) {
            throw new MessageRefused(planned.index(), result.errorCode(), result.errors());
        }
    }

    private static ObjectNode accepted(Ingestion.EventResult recorded, List<FieldError> warnings) {
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("status", 200);
        result.put("result", "accepted");
        result.put("eventId", recorded.eventId().toString());
        result.put("contactId", recorded.contactId());
        if (!warnings.isEmpty()) {
            var array = result.putArray("warnings");
            warnings.forEach(w -> array.addObject().put("field", w.field()).put("message", w.message()));
        }
        return result;
    }

    /** A contact column in an error of the core ({@code values.plan}, {@code email}) as the trait it came from. */
    private static String traitField(String field) {
        String column = field.startsWith("values.") ? field.substring("values.".length()) : field;
        return switch (column) {
            case "first_name" -> "traits.firstName";
            case "last_name" -> "traits.lastName";
            case "birth_date" -> "traits.birthday";
            case "country" -> "traits.address.country";
            case "" -> "traits";
            default -> "traits." + column;
        };
    }

    private static String describe(List<FieldError> errors) {
        return String.join("; ", errors.stream().map(e -> e.field() + " " + e.message()).toList());
    }
}
