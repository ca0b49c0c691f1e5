package io.activation.ingest;

import io.activation.contact.ContactRef;
import io.activation.datamodel.RowInputs;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVRecord;

/**
 * A mapping bound to one file's header: turns each CSV record into the canonical values of a row (through
 * {@link RowInputs#text}, the conversions the API uses), or says why the line is skipped or rejected.
 */
final class RecordConverter {

    /** What became of one record. */
    sealed interface Outcome {
        /** A row to write: its contact (contact-owned tables), its values, and its business key among them. */
        record Row(ContactRef contact, Map<String, Object> values, Object key) implements Outcome {}

        /** Left out on purpose ({@code skipRowsWithoutContact}). */
        record Skipped() implements Outcome {}

        record Rejected(List<LineError> errors) implements Outcome {}
    }

    /** Reads the text of a source from a record. */
    private interface Reader {
        String read(CSVRecord record, long line, long recordNumber, CellTransform.Notes notes) throws InvalidCell;
    }

    private record Bound(String attribute, TableSchema.Column column, String origin, Reader reader, Object constant) {}

    private static final Outcome SKIPPED = new Outcome.Skipped();

    private final TableSchema table;
    private final ImportOptions options;
    private final RowInputs inputs;
    private final int columns;
    private final List<Bound> attributes = new ArrayList<>();
    private final Bound contact;
    private final Bound key;
    private final CellTransform.Notes notes = new CellTransform.Notes();

    /**
     * @throws InvalidInputException naming the mapping's fields when it does not fit the header or a constant does
     *     not fit its attribute
     */
    RecordConverter(ImportMapping mapping, List<String> header, RowInputs inputs) {
        this.table = mapping.table();
        this.options = mapping.options();
        this.inputs = inputs;
        this.columns = header.size();
        List<FieldError> errors = new ArrayList<>(mapping.checkColumns(header));
        Map<String, Integer> index = new HashMap<>();
        for (int i = header.size() - 1; i >= 0; i--) {
            index.put(header.get(i), i);
        }
        Bound keyBound = null;
        for (ImportMapping.Attribute a : mapping.attributes()) {
            TableSchema.Column column = table.column(a.name()).orElseThrow();
            Object constant = null;
            if (a.source() instanceof ValueSource.Constant c) {
                try {
                    constant = inputs.text(column, c.value(), options.defaultCountry());
                } catch (Values.InvalidValue e) {
                    errors.add(new FieldError("mapping.attributes." + a.name() + ".value", e.getMessage()));
                }
            }
            Bound bound = new Bound(a.name(), column, a.source().describe(), reader(a.source(), index), constant);
            if (a.name().equals(table.businessKey())) {
                keyBound = bound;
            } else if (table.kind() == TableKind.CONTACTS && a.name().equals("country")) {
                // The contact's country comes early: it is the region phone numbers are read in.
                attributes.add(0, bound);
            } else {
                attributes.add(bound);
            }
        }
        if (keyBound != null) {
            // The key comes first: a contact without one may be skipped before anything else is read.
            attributes.add(0, keyBound);
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        this.key = keyBound;
        this.contact = mapping.contact() == null ? null
                : new Bound("contact", null, mapping.contact().describe(), reader(mapping.contact(), index), null);
    }

    /**
     * @param line the line the record starts on (the header is line 1)
     * @param recordNumber the record's number after the header, from 1
     */
    Outcome convert(CSVRecord record, long line, long recordNumber, ImportWarnings warnings) {
        if (record.size() != columns) {
            return new Outcome.Rejected(List.of(new LineError(line, "line", null, "has " + record.size()
                    + " field" + (record.size() == 1 ? "" : "s") + " where the header has " + columns)));
        }
        List<LineError> errors = new ArrayList<>(0);
        ContactRef contactRef = null;
        if (contact != null) {
            String text = text(contact, record, line, recordNumber, warnings, errors);
            if (text != null && text.isEmpty()) {
                if (options.skipRowsWithoutContact()) {
                    return SKIPPED;
                }
                errors.add(new LineError(line, "contact", contact.origin(), "is empty: every row of '"
                        + table.name() + "' needs its contact (set options.skipRowsWithoutContact to skip such"
                        + " lines)"));
            } else if (text != null) {
                try {
                    contactRef = ContactRef.external(text).validated("contact");
                } catch (InvalidInputException e) {
                    e.errors().forEach(err -> errors.add(new LineError(line, "contact", contact.origin(),
                            err.message())));
                }
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        String region = options.defaultCountry();
        for (Bound a : attributes) {
            Object value;
            if (a.reader() == null) {
                value = a.constant();
            } else {
                String text = text(a, record, line, recordNumber, warnings, errors);
                if (text == null) {
                    continue;
                }
                if (text.isEmpty()) {
                    if (a == key && table.kind() == TableKind.CONTACTS && options.skipRowsWithoutContact()) {
                        return SKIPPED;
                    }
                    if (!options.ignoreEmptyCells() || a == key) {
                        values.put(a.attribute(), null);
                    }
                    continue;
                }
                try {
                    value = inputs.text(a.column(), text, region);
                } catch (Values.InvalidValue e) {
                    errors.add(new LineError(line, a.attribute(), a.origin(), e.getMessage()));
                    continue;
                }
            }
            values.put(a.attribute(), value);
            if (table.kind() == TableKind.CONTACTS && a.attribute().equals("country") && value != null) {
                region = value.toString();
            }
        }
        Object keyValue = values.get(table.businessKey());
        if (keyValue == null && errors.stream().noneMatch(e -> e.field().equals(table.businessKey()))) {
            errors.add(new LineError(line, table.businessKey(), key.origin(), "is empty: it is the business key of '"
                    + table.name() + "'"));
        }
        if (!errors.isEmpty()) {
            return new Outcome.Rejected(errors);
        }
        return new Outcome.Row(contactRef, values, keyValue);
    }

    /** The text of the source, "" for an empty value, or null when it failed (the error is recorded). */
    private String text(Bound bound, CSVRecord record, long line, long recordNumber, ImportWarnings warnings,
            List<LineError> errors) {
        try {
            String text = bound.reader().read(record, line, recordNumber, notes);
            String warning = notes.take();
            if (warning != null) {
                warnings.add(bound.attribute(), bound.origin(), warning, line);
            }
            return text;
        } catch (InvalidCell e) {
            notes.take();
            errors.add(new LineError(line, bound.attribute(), bound.origin(), e.getMessage()));
            return null;
        }
    }

    private static Reader reader(ValueSource source, Map<String, Integer> index) {
        if (source instanceof ValueSource.Column c) {
            return column(c, index);
        }
        if (source instanceof ValueSource.Template t) {
            List<Reader> parts = new ArrayList<>();
            for (ValueSource.Part part : t.parts()) {
                if (part instanceof ValueSource.Literal l) {
                    parts.add((r, line, n, notes) -> l.text());
                } else if (part instanceof ValueSource.Cell cell) {
                    parts.add(column(cell.column(), index));
                } else if (part instanceof ValueSource.LineNumber) {
                    parts.add((r, line, n, notes) -> Long.toString(line));
                } else {
                    parts.add((r, line, n, notes) -> Long.toString(n));
                }
            }
            return (r, line, n, notes) -> {
                StringBuilder out = new StringBuilder();
                for (int i = 0; i < parts.size(); i++) {
                    String piece = parts.get(i).read(r, line, n, notes);
                    if (piece.isEmpty() && !(t.parts().get(i) instanceof ValueSource.Literal)) {
                        return "";
                    }
                    out.append(piece);
                }
                return out.toString();
            };
        }
        return null;
    }

    private static Reader column(ValueSource.Column source, Map<String, Integer> index) {
        Integer position = index.get(source.name());
        if (position == null) {
            return null;
        }
        int at = position;
        boolean trim = source.trim();
        CellTransform[] transforms = source.transforms().toArray(CellTransform[]::new);
        return (r, line, n, notes) -> {
            String text = r.get(at);
            if (trim) {
                text = text.strip();
            }
            for (CellTransform t : transforms) {
                if (text.isEmpty()) {
                    return text;
                }
                text = t.apply(text, notes);
            }
            return text;
        };
    }
}
