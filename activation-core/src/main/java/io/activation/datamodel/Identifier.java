package io.activation.datamodel;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * A name of a table or attribute that is safe to put into SQL: lower-case ASCII letters, digits and underscores,
 * starting with a letter, at most 63 characters (PostgreSQL's limit), not a system name. It is always double
 * quoted in SQL as well, so even a keyword such as {@code order} is a valid name.
 */
public record Identifier(String value) {

    private static final Pattern ALLOWED = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    /** Columns every user table has, and PostgreSQL's hidden system columns. */
    static final Set<String> RESERVED = Set.of(
            "id", "contact_id", "created_at", "updated_at",
            "oid", "tableoid", "xmin", "xmax", "cmin", "cmax", "ctid");

    public Identifier {
        String problem = problem(value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Why {@code candidate} is not an allowed name, or {@code null} when it is. */
    public static String problem(String candidate) {
        if (candidate == null || candidate.isEmpty()) {
            return "a name is required";
        }
        if (!ALLOWED.matcher(candidate).matches()) {
            return "'" + abbreviate(candidate)
                    + "' is not an allowed name: use 1 to 63 lower-case letters, digits and underscores, starting with a letter";
        }
        if (RESERVED.contains(candidate) || candidate.startsWith("sys_") || candidate.startsWith("pg_")) {
            return "'" + candidate + "' is reserved by the platform";
        }
        return null;
    }

    /** The identifier double-quoted for SQL. Safe because the pattern admits no quote character. */
    public String quoted() {
        return '"' + value + '"';
    }

    @Override
    public String toString() {
        return value;
    }

    private static String abbreviate(String s) {
        String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        StringBuilder out = new StringBuilder();
        shown.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }
}
