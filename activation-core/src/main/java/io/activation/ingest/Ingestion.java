package io.activation.ingest;

import io.activation.contact.ContactMerger;
import io.activation.contact.ContactRef;
import io.activation.contact.ContactResolver;
import io.activation.contact.Contacts;
import io.activation.contact.ResolvedContacts;
import io.activation.datamodel.RowInputs;
import io.activation.datamodel.RowResult;
import io.activation.datamodel.RowWrite;
import io.activation.datamodel.RowWriter;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.JdbcTransactions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The application service of intake. Each method is one transaction (or joins the caller's, which is how the API
 * adds the idempotency key to the same commit): validate every item, resolve contacts, write, and append one
 * change event per record that changed. An item that fails validation is rejected alone; the others go through.
 *
 * @see ChangeEvents for what is published
 */
@Service
public class Ingestion {

    /** A row for a table: which contact it belongs to (contact-owned tables only) and its attribute values. */
    public record RowInput(ContactRef contact, JsonNode values) {}

    /** A row whose values are already canonical (see {@link io.activation.datamodel.Values}), e.g. from a CSV file. */
    public record RowValues(ContactRef contact, Map<String, Object> values) {}

    /** A behavioural event; {@code occurredAt} null means now. */
    public record EventInput(ContactRef contact, String type, Instant occurredAt, JsonNode properties) {}

    /** What happened to one event: accepted with its id and contact, or rejected with the reasons. */
    public record EventResult(UUID eventId, Long contactId, String errorCode, List<FieldError> errors) {
        public boolean accepted() {
            return errorCode == null;
        }
    }

    /** The outcome of identify: the contact as written and, when an anonymous contact was folded in, its id. */
    public record Identified(RowResult contact, Long mergedContactId) {}

    /** The error code of an item that names a contact by an internal id that does not exist. */
    public static final String NOT_FOUND = "not-found";

    private static final Pattern EVENT_TYPE = Pattern.compile("[a-z0-9][a-z0-9_.:-]{0,99}");
    private static final int MAX_PROPERTIES_CHARS = 32_768;
    private static final Duration MAX_FUTURE = Duration.ofHours(24);

    private final TableCatalog catalog;
    private final RowInputs inputs;
    private final RowWriter writer;
    private final ContactResolver resolver;
    private final ContactMerger merger;
    private final Contacts contacts;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final JdbcTemplate jdbc;
    private final JdbcTransactions jdbcTransactions;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();
    private final KnownContacts knownContacts = new KnownContacts(100_000);

    Ingestion(TableCatalog catalog, RowInputs inputs, RowWriter writer, ContactResolver resolver, ContactMerger merger,
            Contacts contacts, Outbox outbox, ChangeEvents events, JdbcTemplate jdbc, JdbcTransactions jdbcTransactions,
            Clock clock) {
        this.catalog = catalog;
        this.inputs = inputs;
        this.writer = writer;
        this.resolver = resolver;
        this.merger = merger;
        this.contacts = contacts;
        this.outbox = outbox;
        this.events = events;
        this.jdbc = jdbc;
        this.jdbcTransactions = jdbcTransactions;
        this.clock = clock;
    }

    /**
     * Upserts contacts by external id. Each item is an object of column names to values (built-in and custom
     * attributes), {@code external_id} required. Field paths in errors are column names.
     */
    @Transactional
    public List<RowResult> upsertContacts(List<JsonNode> items, String origin) {
        TableSchema table = catalog.contacts();
        return writeContacts(table, items.size(), i -> inputs.parse(table, items.get(i), "", null,
                region(items.get(i))), origin, true);
    }

    /**
     * Upserts contacts given as canonical values by column name (a CSV import has converted them already),
     * {@code external_id} required.
     *
     * @param publishChanges false to write without change events (a historical back-fill no journey should see)
     */
    @Transactional
    public List<RowResult> upsertContactValues(List<Map<String, Object>> items, String origin,
            boolean publishChanges) {
        TableSchema table = catalog.contacts();
        return writeContacts(table, items.size(), i -> write(table, items.get(i), null), origin, publishChanges);
    }

    /** Upserts rows of a user table by business key. */
    @Transactional
    public List<RowResult> upsertRows(String tableName, List<RowInput> items, String origin) {
        TableSchema table = userTable(tableName);
        return writeRows(table, items.stream().map(RowInput::contact).toList(),
                i -> inputs.parse(table, items.get(i).values(), "values", null, null), origin, true);
    }

    /**
     * Upserts rows of a user table given as canonical values (a CSV import has converted them already).
     *
     * @param publishChanges false to write without change events (a historical back-fill no journey should see);
     *     contacts created on the way are then not announced either
     */
    @Transactional
    public List<RowResult> upsertRowValues(String tableName, List<RowValues> items, String origin,
            boolean publishChanges) {
        TableSchema table = userTable(tableName);
        return writeRows(table, items.stream().map(RowValues::contact).toList(),
                i -> write(table, items.get(i).values(), null), origin, publishChanges);
    }

    /** Parses item {@code i} into a write; {@link InvalidInputException} rejects that item alone. */
    private interface RowParser {
        RowWrite parse(int i);
    }

    private List<RowResult> writeContacts(TableSchema table, int size, java.util.function.IntFunction<RowWrite> parser,
            String origin, boolean publishChanges) {
        RowResult[] results = new RowResult[size];
        List<RowWrite> writes = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            try {
                writes.add(parser.apply(i));
                positions.add(i);
            } catch (InvalidInputException e) {
                results[i] = RowResult.rejected(e.code(), e.errors());
            }
        }
        List<RowResult> written = writer.upsert(table, writes);
        List<OutboxMessage> messages = new ArrayList<>();
        for (int j = 0; j < written.size(); j++) {
            RowResult r = written.get(j);
            results[positions.get(j)] = r;
            if (publishChanges && r.changedData()) {
                String type = r.status() == RowResult.Status.CREATED ? ChangeEvents.CONTACT_CREATED
                        : ChangeEvents.CONTACT_UPDATED;
                messages.add(events.contactChanged(type, r.row(), r.previous(), r.changed(), origin));
            }
        }
        outbox.append(messages);
        return Arrays.asList(results);
    }

    private List<RowResult> writeRows(TableSchema table, List<ContactRef> contactRefs, RowParser parser,
            String origin, boolean publishChanges) {
        RowResult[] results = new RowResult[contactRefs.size()];
        List<Integer> valid = new ArrayList<>();
        for (int i = 0; i < contactRefs.size(); i++) {
            ContactRef contact = contactRefs.get(i);
            List<FieldError> errors = new ArrayList<>();
            if (table.belongsToContact()) {
                if (contact == null) {
                    errors.add(new FieldError("contact", "a row of '" + table.name() + "' must name its contact"));
                } else {
                    try {
                        contact.validated("contact");
                    } catch (InvalidInputException e) {
                        errors.addAll(e.errors());
                    }
                }
            } else if (contact != null) {
                errors.add(new FieldError("contact", "rows of reference table '" + table.name()
                        + "' belong to no contact"));
            }
            if (!errors.isEmpty()) {
                results[i] = RowResult.rejected("invalid-input", errors);
            } else {
                valid.add(i);
            }
        }
        // Values are checked before contacts are resolved, so an item rejected for its values creates no contact.
        List<RowWrite> parsed = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i : valid) {
            try {
                parsed.add(parser.parse(i));
                positions.add(i);
            } catch (InvalidInputException e) {
                results[i] = RowResult.rejected(e.code(), e.errors());
            }
        }
        ResolvedContacts resolved = table.belongsToContact()
                ? resolver.resolve(positions.stream().map(contactRefs::get).toList())
                : new ResolvedContacts(Map.of(), List.of());
        List<RowWrite> writes = new ArrayList<>();
        List<Integer> writePositions = new ArrayList<>();
        for (int j = 0; j < parsed.size(); j++) {
            RowWrite write = parsed.get(j);
            int i = positions.get(j);
            ContactRef ref = contactRefs.get(i);
            if (table.belongsToContact() && !resolved.has(ref)) {
                results[i] = RowResult.rejected(NOT_FOUND, List.of(new FieldError("contact.id",
                        ResolvedContacts.unknown(ref))));
                continue;
            }
            Long contactId = table.belongsToContact() ? resolved.id(ref) : null;
            writes.add(new RowWrite(write.key(), write.values(), contactId));
            writePositions.add(i);
        }
        positions = writePositions;
        List<RowResult> written = writer.upsert(table, writes);
        Set<Long> owners = new HashSet<>();
        for (int j = 0; j < written.size(); j++) {
            if (written.get(j).accepted() && writes.get(j).contactId() != null) {
                owners.add(writes.get(j).contactId());
            }
        }
        List<OutboxMessage> messages = new ArrayList<>();
        for (StoredRow created : resolved.created()) {
            if (!owners.contains(created.id())) {
                // Created in this transaction for rows that were all rejected: a rejected item changes nothing.
                jdbc.update("delete from contacts where id = ?", created.id());
            } else if (publishChanges) {
                messages.add(events.contactChanged(ChangeEvents.CONTACT_CREATED, created, Map.of(),
                        created.values().get("external_id") == null ? Set.of() : Set.of("external_id"), origin));
            }
        }
        for (int j = 0; j < written.size(); j++) {
            RowResult r = written.get(j);
            results[positions.get(j)] = r;
            if (publishChanges && r.changedData()) {
                String type = r.status() == RowResult.Status.CREATED ? ChangeEvents.ROW_CREATED
                        : ChangeEvents.ROW_UPDATED;
                messages.add(events.rowChanged(type, table, r.row(), r.previous(), r.changed(), origin));
            }
        }
        outbox.append(messages);
        return Arrays.asList(results);
    }

    private TableSchema userTable(String tableName) {
        TableSchema table = catalog.schema(tableName);
        if (table.kind() == io.activation.datamodel.TableKind.CONTACTS) {
            throw new InvalidInputException("table", "write contacts through the contacts API");
        }
        return table;
    }

    /** A write of values already in canonical form; the business key must be among them. */
    private static RowWrite write(TableSchema table, Map<String, Object> values, Long contactId) {
        Object key = values.get(table.businessKey());
        if (key == null) {
            throw new InvalidInputException("values." + table.businessKey(), "is required: it is the business key of '"
                    + table.name() + "'");
        }
        for (String name : values.keySet()) {
            if (table.column(name).isEmpty()) {
                throw new InvalidInputException("values." + name, "is not an attribute of table '" + table.name()
                        + "'");
            }
        }
        return new RowWrite(key, values, contactId);
    }

    /**
     * Updates attributes of a contact named by internal id (anonymous contacts have no external id), with values
     * already canonical by column name; publishes {@code contact.updated} when something changed. Derived
     * attributes (behaviour scores) are written this way. Empty when there is no such contact.
     */
    @Transactional
    public Optional<RowResult> updateContactValues(long contactId, Map<String, Object> values, String origin) {
        TableSchema table = catalog.contacts();
        Optional<RowResult> result = writer.updateById(table, contactId, values);
        result.filter(RowResult::changedData).ifPresent(r -> outbox.append(List.of(events.contactChanged(
                ChangeEvents.CONTACT_UPDATED, r.row(), r.previous(), r.changed(), origin))));
        return result;
    }

    /** Deletes a contact with everything that belongs to it (rows, events, identities). */
    @Transactional
    public Optional<StoredRow> deleteContact(String externalId, String origin) {
        TableSchema table = catalog.contacts();
        Optional<StoredRow> deleted = writer.delete(table, externalId);
        deleted.ifPresent(c -> outbox.append(List.of(events.contactDeleted(c, origin))));
        return deleted;
    }

    @Transactional
    public Optional<StoredRow> deleteRow(String tableName, Object key, String origin) {
        TableSchema table = catalog.schema(tableName);
        Optional<StoredRow> deleted = writer.delete(table, key);
        deleted.ifPresent(r -> outbox.append(List.of(events.rowDeleted(table, r, origin))));
        return deleted;
    }

    /**
     * Records behavioural events; unknown contacts are created (anonymous ones for anonymous ids). Joins the caller's
     * JPA transaction; without one, the writes run in a plain JDBC transaction of their own ({@link JdbcTransactions}:
     * everything here is JDBC, so no Hibernate session is opened per call). A caller that begins a plain JDBC
     * transaction itself uses {@link #recordEvents(List, String, TableSchema)}.
     */
    public List<EventResult> recordEvents(List<EventInput> items, String origin) {
        return recordEvents(items, origin, catalog.contacts());
    }

    /**
     * As {@link #recordEvents(List, String)}, inside any transaction of the caller, JPA or plain JDBC. {@code contacts}
     * is {@code TableCatalog.contacts()}, read by the caller before its JDBC transaction began: the catalog may read
     * it through JPA, which cannot take part in that transaction (it describes the contacts this call creates).
     */
    public List<EventResult> recordEvents(List<EventInput> items, String origin, TableSchema contacts) {
        EventResult[] results = new EventResult[items.size()];
        List<Integer> valid = new ArrayList<>();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        List<String> propertiesJson = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            EventInput item = items.get(i);
            List<FieldError> errors = new ArrayList<>();
            String serialized = null;
            if (item.contact() == null) {
                errors.add(new FieldError("contact", "name the contact: externalId, anonymousId or contactId"));
            } else {
                try {
                    item.contact().validated("");
                } catch (InvalidInputException e) {
                    errors.addAll(e.errors());
                }
            }
            if (item.type() == null || !EVENT_TYPE.matcher(item.type()).matches()) {
                errors.add(new FieldError("type", "must be 1 to 100 characters of a-z, 0-9, '_', '.', ':' or '-',"
                        + " starting with a letter or digit (e.g. product_viewed)"));
            }
            if (item.occurredAt() != null && item.occurredAt().isAfter(now.plus(MAX_FUTURE))) {
                errors.add(new FieldError("occurredAt", "lies more than 24 hours in the future"));
            }
            JsonNode properties = item.properties() == null || item.properties().isNull()
                    ? JsonNodeFactory.instance.objectNode() : item.properties();
            if (!properties.isObject()) {
                errors.add(new FieldError("properties", "must be an object"));
            } else {
                serialized = json.writeValueAsString(properties);
                if (serialized.length() > MAX_PROPERTIES_CHARS) {
                    errors.add(new FieldError("properties", "must be at most " + MAX_PROPERTIES_CHARS
                            + " characters of JSON"));
                } else if (serialized.contains("\\u0000")) {
                    errors.add(new FieldError("properties", "must not contain the NUL character (\\u0000)"));
                } else if (hasLoneSurrogate(serialized)) {
                    errors.add(new FieldError("properties", "is not valid Unicode text (unpaired surrogate)"));
                }
            }
            propertiesJson.add(serialized);
            if (errors.isEmpty()) {
                valid.add(i);
            } else {
                results[i] = new EventResult(null, null, "invalid-input", errors);
            }
        }
        if (valid.isEmpty()) {
            return Arrays.asList(results);
        }
        List<Integer> toWrite = valid;
        return jdbcTransactions.execute(() -> store(items, toWrite, propertiesJson, contacts, now, origin, results));
    }

    private List<EventResult> store(List<EventInput> items, List<Integer> valid, List<String> propertiesJson,
            TableSchema contactsSchema, Instant now, String origin, EventResult[] results) {
        Set<ContactRef> refs = new LinkedHashSet<>(valid.stream().map(i -> items.get(i).contact()).toList());
        // Known external ids skip the lookup; the write below checks them in the same statement and writes
        // nothing when one is stale (the contact was deleted, merged away or re-keyed), then the resolver decides.
        ResolvedContacts resolved = knownContacts.resolve(refs);
        boolean checked = resolved != null;
        if (!checked) {
            resolved = resolver.resolve(refs, contactsSchema);
            knownContacts.remember(resolved);
        }
        List<Integer> known = new ArrayList<>();
        for (int i : valid) {
            if (resolved.has(items.get(i).contact())) {
                known.add(i);
            } else {
                results[i] = new EventResult(null, null, NOT_FOUND, List.of(new FieldError("contact.id",
                        ResolvedContacts.unknown(items.get(i).contact()))));
            }
        }
        valid = known;
        if (valid.isEmpty()) {
            return Arrays.asList(results);
        }
        if (!write(items, valid, propertiesJson, resolved, checked, now, origin, results)) {
            knownContacts.forget(refs);
            resolved = resolver.resolve(refs, contactsSchema);
            knownContacts.remember(resolved);
            write(items, valid, propertiesJson, resolved, false, now, origin, results);
        }
        return Arrays.asList(results);
    }

    /**
     * Writes the events of {@code valid} and their messages in one statement. When {@code checked}, the contacts
     * came from {@link KnownContacts} and the statement first checks that each id still has its external id;
     * if one does not, it writes nothing and the answer is false.
     */
    private boolean write(List<EventInput> items, List<Integer> valid, List<String> propertiesJson,
            ResolvedContacts resolved, boolean checked, Instant now, String origin, EventResult[] results) {
        List<OutboxMessage> messages = new ArrayList<>();
        resolved.created().forEach(c -> messages.add(events.contactChanged(ChangeEvents.CONTACT_CREATED, c, Map.of(),
                c.values().get("external_id") == null ? Set.of() : Set.of("external_id"), origin)));
        int n = valid.size();
        UUID[] ids = new UUID[n];
        Long[] contactIds = new Long[n];
        String[] types = new String[n];
        OffsetDateTime[] occurred = new OffsetDateTime[n];
        String[] props = new String[n];
        for (int j = 0; j < n; j++) {
            int i = valid.get(j);
            EventInput item = items.get(i);
            ids[j] = UUID.randomUUID();
            contactIds[j] = resolved.id(item.contact());
            types[j] = item.type();
            Instant at = item.occurredAt() == null ? now : item.occurredAt().truncatedTo(ChronoUnit.MICROS);
            occurred[j] = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
            props[j] = propertiesJson.get(i);
            results[i] = new EventResult(ids[j], contactIds[j], null, List.of());
            messages.add(events.eventRecorded(ids[j], contactIds[j], types[j], at, props[j], origin));
        }
        OffsetDateTime received = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        // One event (the single-event endpoint) binds plain parameters: no JDBC arrays to build and no unnest for
        // PostgreSQL to plan, both of which showed in profiles of that path.
        boolean single = n == 1;
        String insert = single ? """
                recorded as (insert into events (id, contact_id, type, occurred_at, received_at, source, properties)
                    select ?::uuid, ?::bigint, ?::varchar, ?::timestamptz, ?::timestamptz, ?::varchar, ?::jsonb""" : """
                recorded as (insert into events (id, contact_id, type, occurred_at, received_at, source, properties)
                    select i, c, t, o, ?, ?, p::jsonb
                    from unnest(?::uuid[], ?::bigint[], ?::varchar[], ?::timestamptz[], ?::text[]) as x(i, c, t, o, p)""";
        Outbox.Parameters eventParameters = single ? (connection, ps, first) -> {
            ps.setObject(first, ids[0]);
            ps.setLong(first + 1, contactIds[0]);
            ps.setString(first + 2, types[0]);
            ps.setObject(first + 3, occurred[0]);
            ps.setObject(first + 4, received);
            ps.setString(first + 5, origin);
            ps.setString(first + 6, props[0]);
            return first + 7;
        } : (connection, ps, first) -> {
            ps.setObject(first, received);
            ps.setString(first + 1, origin);
            ps.setArray(first + 2, connection.createArrayOf("uuid", ids));
            ps.setArray(first + 3, connection.createArrayOf("bigint", contactIds));
            ps.setArray(first + 4, connection.createArrayOf("varchar", types));
            ps.setArray(first + 5, connection.createArrayOf("timestamptz", occurred));
            ps.setArray(first + 6, connection.createArrayOf("text", props));
            return first + 7;
        };
        if (!checked) {
            // The events and their outbox messages in one statement: one round trip less per request.
            outbox.appendWith(insert + ")", eventParameters, messages);
            return true;
        }
        Map<String, Long> pairs = new LinkedHashMap<>();
        for (int i : valid) {
            ContactRef ref = items.get(i).contact();
            pairs.put(ref.externalId(), resolved.id(ref));
        }
        String[] externalIds = pairs.keySet().toArray(String[]::new);
        Long[] pairIds = pairs.values().toArray(Long[]::new);
        String check = pairIds.length == 1 ? """
                checked as (select exists(select 1 from contacts where id = ? and external_id = ?) as ok),
                """ : """
                checked as (select count(c.id) = ? as ok
                    from unnest(?::bigint[], ?::varchar[]) as k(id, external_id)
                    left join contacts c on c.id = k.id and c.external_id = k.external_id),
                """;
        int inserted = outbox.appendWhere(check + insert + "\n                    where (select ok from checked))",
                (connection, ps, first) -> {
                    if (pairIds.length == 1) {
                        ps.setLong(first, pairIds[0]);
                        ps.setString(first + 1, externalIds[0]);
                        return eventParameters.bind(connection, ps, first + 2);
                    }
                    ps.setInt(first, pairIds.length);
                    ps.setArray(first + 1, connection.createArrayOf("bigint", pairIds));
                    ps.setArray(first + 2, connection.createArrayOf("varchar", externalIds));
                    return eventParameters.bind(connection, ps, first + 3);
                }, "(select ok from checked)", messages);
        return inserted == messages.size();
    }

    /**
     * Identify: upserts the known contact's attributes and links the anonymous id to it, folding an anonymous
     * contact's history in. Without an external id the attributes go to the anonymous contact.
     *
     * @param values column names to values (built-in and custom), already filtered to known attributes
     */
    @Transactional
    public Identified identify(String externalId, String anonymousId, JsonNode values, String origin) {
        List<OutboxMessage> messages = new ArrayList<>();
        RowResult contact;
        Long merged = null;
        TableSchema table = catalog.contacts();
        if (externalId != null) {
            tools.jackson.databind.node.ObjectNode withKey = values.isObject()
                    ? ((tools.jackson.databind.node.ObjectNode) values).deepCopy()
                    : JsonNodeFactory.instance.objectNode();
            withKey.put("external_id", externalId);
            RowWrite write = inputs.parse(table, withKey, "", null, region(withKey));
            contact = writer.upsert(table, List.of(write)).get(0);
            if (!contact.accepted()) {
                throw new InvalidInputException(contact.errors());
            }
            if (contact.changedData()) {
                messages.add(events.contactChanged(contact.status() == RowResult.Status.CREATED
                        ? ChangeEvents.CONTACT_CREATED : ChangeEvents.CONTACT_UPDATED, contact.row(),
                        contact.previous(), contact.changed(), origin));
            }
            if (anonymousId != null) {
                ContactMerger.Link link = merger.link(anonymousId, contact.row().id());
                if (link.mergedContactId() != null) {
                    merged = link.mergedContactId();
                    messages.add(events.contactMerged(contact.row().id(), merged, anonymousId, origin));
                    contact = new RowResult(contact.status(), contacts.byId(contact.row().id()).orElseThrow(),
                            contact.previous(), contact.changed(), null, List.of());
                }
            }
        } else {
            ResolvedContacts resolved = resolver.resolve(List.of(ContactRef.anonymous(anonymousId)));
            resolved.created().forEach(c -> messages.add(
                    events.contactChanged(ChangeEvents.CONTACT_CREATED, c, Map.of(), Set.of(), origin)));
            long id = resolved.id(ContactRef.anonymous(anonymousId));
            Map<String, Object> parsed = inputs.parseValues(table, values, "", region(values));
            contact = writer.updateById(table, id, parsed).orElseThrow();
            if (!contact.accepted()) {
                throw new InvalidInputException(contact.errors());
            }
            if (contact.changedData()) {
                messages.add(events.contactChanged(ChangeEvents.CONTACT_UPDATED, contact.row(), contact.previous(),
                        contact.changed(), origin));
            }
        }
        outbox.append(messages);
        return new Identified(contact, merged);
    }

    /** The country sent with a contact, used to read phone numbers written in national format. */
    private static String region(JsonNode item) {
        if (item != null && item.isObject() && item.get("country") != null && item.get("country").isString()) {
            String c = item.get("country").stringValue().trim().toUpperCase(java.util.Locale.ROOT);
            return c.length() == 2 ? c : null;
        }
        return null;
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
