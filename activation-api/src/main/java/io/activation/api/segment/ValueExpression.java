package io.activation.api.segment;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Where a mapped attribute takes its value from a Segment message. Alternatives are separated by {@code |}: the
 * first that yields a value wins. An alternative is one term or several joined by {@code +} (concatenated as text;
 * if one of them has no value, neither has the alternative). A term is
 * <ul>
 *   <li>a path into the message: {@code properties.order_id}, {@code context.page.url}, {@code userId},
 *       {@code properties.products[0].sku};</li>
 *   <li>{@code item.<path>}: the current element of the mapping's for-each array;</li>
 *   <li>{@code @timestamp} (when the event occurred, clock skew corrected), {@code @index} (position of the
 *       for-each element, from 0), {@code @event} (the event name as sent);</li>
 *   <li>a literal in single quotes: {@code 'open'}, {@code 'true'}.</li>
 * </ul>
 * Missing fields, JSON null and empty strings have no value. Example:
 * {@code properties.order_id + '-' + @index | properties.orderId + '-' + @index}.
 */
final class ValueExpression {

    /** What an expression sees: the message, the current for-each element, and the event's facts. */
    record Scope(JsonNode message, JsonNode item, String itemPath, Integer index, Instant timestamp, String event) {

        static Scope of(JsonNode message, Instant timestamp, String event) {
            return new Scope(message, null, null, null, timestamp, event);
        }

        Scope element(JsonNode element, String arrayPath, int position) {
            return new Scope(message, element, arrayPath, position, timestamp, event);
        }
    }

    /** A value and where it came from, as a field path of the request (for warnings). */
    record Value(JsonNode node, String source) {}

    private sealed interface Term permits Path, Special, Literal {}

    /** A path into the message, or into the for-each element when {@code item}. */
    private record Path(boolean item, List<Object> segments, String text) implements Term {}

    private record Special(String name) implements Term {}

    private record Literal(String text) implements Term {}

    private static final List<String> SPECIALS = List.of("@timestamp", "@index", "@event");

    private final String text;
    private final List<List<Term>> alternatives;

    private ValueExpression(String text, List<List<Term>> alternatives) {
        this.text = text;
        this.alternatives = alternatives;
    }

    /** Parses an expression; {@link IllegalArgumentException} says what is wrong with it. */
    static ValueExpression parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        List<List<Term>> alternatives = new ArrayList<>();
        for (String alternative : split(text, '|')) {
            List<Term> terms = new ArrayList<>();
            for (String term : split(alternative, '+')) {
                terms.add(term(term.trim()));
            }
            alternatives.add(List.copyOf(terms));
        }
        return new ValueExpression(text, List.copyOf(alternatives));
    }

    /** A plain path into the message (no item, literal or special), such as a for-each array. */
    static ValueExpression parsePath(String text) {
        ValueExpression expression = parse(text);
        if (expression.alternatives.size() != 1 || expression.alternatives.get(0).size() != 1
                || !(expression.alternatives.get(0).get(0) instanceof Path path) || path.item()) {
            throw new IllegalArgumentException("must be a path into the message, such as properties.products");
        }
        return expression;
    }

    /** The first alternative that has a value, or null. */
    Value evaluate(Scope scope) {
        for (List<Term> alternative : alternatives) {
            Value value = alternative.size() == 1 ? value(alternative.get(0), scope) : concatenation(alternative, scope);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** Whether the expression reads the for-each element ({@code item.*} or {@code @index}). */
    boolean usesItem() {
        return alternatives.stream().flatMap(List::stream).anyMatch(term -> term instanceof Path path && path.item()
                || term instanceof Special special && special.name().equals("@index"));
    }

    @Override
    public String toString() {
        return text;
    }

    private static Value concatenation(List<Term> terms, Scope scope) {
        StringBuilder joined = new StringBuilder();
        List<String> sources = new ArrayList<>();
        for (Term term : terms) {
            Value part = value(term, scope);
            if (part == null || !part.node().isValueNode()) {
                return null;
            }
            joined.append(part.node().asString());
            if (!(term instanceof Literal)) {
                sources.add(part.source());
            }
        }
        return new Value(JsonNodeFactory.instance.stringNode(joined.toString()), String.join(" + ", sources));
    }

    private static Value value(Term term, Scope scope) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (term instanceof Literal literal) {
            return new Value(f.stringNode(literal.text()), "'" + literal.text() + "'");
        }
        if (term instanceof Special special) {
            return switch (special.name()) {
                case "@timestamp" -> scope.timestamp() == null ? null
                        : new Value(f.stringNode(scope.timestamp().toString()), "timestamp");
                case "@index" -> scope.index() == null ? null : new Value(f.numberNode(scope.index()), "@index");
                default -> scope.event() == null || scope.event().isEmpty() ? null
                        : new Value(f.stringNode(scope.event()), "event");
            };
        }
        Path path = (Path) term;
        JsonNode node = path.item() ? scope.item() : scope.message();
        for (Object segment : path.segments()) {
            if (node == null) {
                break;
            }
            node = segment instanceof Integer i ? (node.isArray() ? node.get(i) : null)
                    : (node.isObject() ? node.get((String) segment) : null);
        }
        if (node == null || node.isNull() || node.isMissingNode() || (node.isString() && node.stringValue().isEmpty())) {
            return null;
        }
        String source = path.item()
                ? scope.itemPath() + "[" + scope.index() + "]" + path.text().substring("item".length())
                : path.text();
        return new Value(node, source);
    }

    private static Term term(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("has an empty term (two operators in a row, or one at an end)");
        }
        if (text.startsWith("'")) {
            if (text.length() < 2 || !text.endsWith("'") || text.substring(1, text.length() - 1).contains("'")) {
                throw new IllegalArgumentException("has an unterminated literal: " + text);
            }
            return new Literal(text.substring(1, text.length() - 1));
        }
        if (text.startsWith("@")) {
            if (!SPECIALS.contains(text)) {
                throw new IllegalArgumentException("knows no " + text + " (use one of " + SPECIALS + ")");
            }
            return new Special(text);
        }
        List<Object> segments = path(text);
        boolean item = "item".equals(segments.get(0));
        if (item) {
            segments = segments.subList(1, segments.size());
            if (segments.isEmpty()) {
                throw new IllegalArgumentException("must name a field of the item, such as item.sku");
            }
        }
        return new Path(item, List.copyOf(segments), text);
    }

    /** {@code properties.products[0].sku} as ["properties", "products", 0, "sku"]. */
    private static List<Object> path(String text) {
        List<Object> segments = new ArrayList<>();
        StringBuilder name = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '.') {
                if (name.isEmpty() && (segments.isEmpty() || !(segments.get(segments.size() - 1) instanceof Integer))) {
                    throw new IllegalArgumentException("has an empty name in the path " + text);
                }
                if (!name.isEmpty()) {
                    segments.add(name.toString());
                    name.setLength(0);
                }
                i++;
            } else if (c == '[') {
                if (!name.isEmpty()) {
                    segments.add(name.toString());
                    name.setLength(0);
                }
                int close = text.indexOf(']', i);
                if (close < 0 || close == i + 1 || !text.substring(i + 1, close).chars().allMatch(Character::isDigit)) {
                    throw new IllegalArgumentException("has a bad index in the path " + text + " (use [0], [1], ...)");
                }
                segments.add(Integer.parseInt(text.substring(i + 1, close)));
                i = close + 1;
            } else if (c == ']' || c == '\'' || c == '@') {
                throw new IllegalArgumentException("has an unexpected '" + c + "' in " + text);
            } else {
                name.append(c);
                i++;
            }
        }
        if (!name.isEmpty()) {
            segments.add(name.toString());
        } else if (segments.isEmpty() || text.endsWith(".")) {
            throw new IllegalArgumentException("has an empty name in the path " + text);
        }
        if (!(segments.get(0) instanceof String)) {
            throw new IllegalArgumentException("must start with a field name: " + text);
        }
        return segments;
    }

    /** Splits on an operator outside single-quoted literals. */
    private static List<String> split(String text, char operator) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            }
            if (c == operator && !quoted) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("has an unterminated literal");
        }
        parts.add(current.toString());
        return parts;
    }
}
