package io.activation.ingest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the value of one attribute (or of the row's contact) comes from: a column of the file, a template over
 * several columns, or a constant.
 */
sealed interface ValueSource {

    /** The CSV columns this source reads. */
    Set<String> columns();

    /** How the source is named in line errors: the column, the template or the constant. */
    String describe();

    /** A column, trimmed unless told otherwise, then put through the transforms in order. */
    record Column(String name, boolean trim, List<CellTransform> transforms) implements ValueSource {
        public Column {
            transforms = List.copyOf(transforms);
        }

        @Override
        public Set<String> columns() {
            return Set.of(name);
        }

        @Override
        public String describe() {
            return name;
        }
    }

    /**
     * Text with placeholders: {@code {Column}} or {@code {Column|transform|...}} for a cell (trimmed, then
     * transformed), {@code {$line}} for the line the record starts on (the header is line 1), {@code {$record}} for
     * the record's number (the first after the header is 1). {@code {{} and {@code }}} write braces. When a cell it
     * names is empty, the whole template is empty.
     */
    record Template(String text, List<Part> parts) implements ValueSource {
        public Template {
            parts = List.copyOf(parts);
        }

        @Override
        public Set<String> columns() {
            Set<String> names = new LinkedHashSet<>();
            parts.forEach(p -> {
                if (p instanceof Cell c) {
                    names.add(c.column().name());
                }
            });
            return names;
        }

        @Override
        public String describe() {
            return text;
        }

        /** Parses the template text; {@link IllegalArgumentException} with a message for the mapping's author. */
        static Template parse(String text, java.time.ZoneId zone) {
            List<Part> parts = new ArrayList<>();
            StringBuilder literal = new StringBuilder();
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (c == '{' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                    literal.append('{');
                    i += 2;
                } else if (c == '}' && i + 1 < text.length() && text.charAt(i + 1) == '}') {
                    literal.append('}');
                    i += 2;
                } else if (c == '}') {
                    throw new IllegalArgumentException("has a '}' without its '{' at position " + (i + 1)
                            + "; write '}}' for a brace");
                } else if (c == '{') {
                    int end = text.indexOf('}', i + 1);
                    if (end < 0) {
                        throw new IllegalArgumentException("has a '{' without its '}' at position " + (i + 1));
                    }
                    if (!literal.isEmpty()) {
                        parts.add(new Literal(literal.toString()));
                        literal.setLength(0);
                    }
                    parts.add(placeholder(text.substring(i + 1, end), zone));
                    i = end + 1;
                } else {
                    literal.append(c);
                    i++;
                }
            }
            if (!literal.isEmpty()) {
                parts.add(new Literal(literal.toString()));
            }
            if (parts.stream().noneMatch(p -> !(p instanceof Literal))) {
                throw new IllegalArgumentException("names no column: write placeholders such as {InvoiceNo}-{$line},"
                        + " or use \"value\" for a constant");
            }
            return new Template(text, parts);
        }

        private static Part placeholder(String inside, java.time.ZoneId zone) {
            String[] pieces = inside.split("\\|", -1);
            String name = pieces[0].strip();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("has an empty placeholder {}");
            }
            if (name.startsWith("$")) {
                if (pieces.length > 1) {
                    throw new IllegalArgumentException("{" + name + "} takes no transform");
                }
                return switch (name) {
                    case "$line" -> new LineNumber();
                    case "$record" -> new RecordNumber();
                    default -> throw new IllegalArgumentException("{" + name + "} is unknown; use {$line} or {$record}");
                };
            }
            List<CellTransform> transforms = new ArrayList<>();
            for (int p = 1; p < pieces.length; p++) {
                transforms.add(CellTransform.parse(pieces[p], zone));
            }
            return new Cell(new Column(name, true, transforms));
        }
    }

    /** A constant, the same for every line. */
    record Constant(String value) implements ValueSource {
        @Override
        public Set<String> columns() {
            return Set.of();
        }

        @Override
        public String describe() {
            return "value '" + Cells.shown(value) + "'";
        }
    }

    /** A piece of a template. */
    sealed interface Part {}

    record Literal(String text) implements Part {}

    record Cell(Column column) implements Part {}

    record LineNumber() implements Part {}

    record RecordNumber() implements Part {}
}
