package io.activation.segment;

import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A segment rule, as parsed from its JSON (see docs/targeting.md). Values stay JSON until the compiler converts
 * them against the attribute's type, so the same rule text always means the same thing as the catalogue defines it.
 * Each node keeps the path of its JSON ({@code rule.and[1].aggregate}) so problems name the field.
 */
public sealed interface Rule {

    /** Where this node sits in the request, e.g. {@code rule.and[1]}. */
    String path();

    record And(String path, List<Rule> rules) implements Rule {
        public And {
            rules = List.copyOf(rules);
        }
    }

    record Or(String path, List<Rule> rules) implements Rule {
        public Or {
            rules = List.copyOf(rules);
        }
    }

    record Not(String path, Rule rule) implements Rule {}

    /** A comparison on an attribute: of the contact, or of the row in a row rule ({@code product.category}). */
    record Compare(String path, String attribute, Op op, JsonNode value) implements Rule {}

    /** An aggregate over a contact's rows of an interaction or linked table, compared with a value. */
    record Aggregate(String path, String table, Fn fn, String column, Rule where, Window window, Op op,
            JsonNode value) implements Rule {}

    /** The contact has at least one row in the table matching {@code where} (optional) within the window. */
    record Exists(String path, String table, Rule where, Window window) implements Rule {}

    /** The contact is a member of the named segment. */
    record InSegment(String path, String segment) implements Rule {}

    /** The contact's consent for channel and purpose is granted. */
    record Consent(String path, String channel, String purpose) implements Rule {}

    /** The contact's RFM group in the model. */
    record Rfm(String path, String model, String group) implements Rule {}

    /** The contact's interest weight, compared with a number. */
    record Interest(String path, String interest, String profile, Op op, JsonNode value) implements Rule {}

    /** Aggregate functions. */
    enum Fn {
        COUNT, SUM, AVG, MIN, MAX, LAST
    }

    /** Comparison operators, as spelled in JSON. */
    enum Op {
        EQ("eq"), NE("ne"), LT("lt"), LTE("lte"), GT("gt"), GTE("gte"), IN("in"), NOT_IN("not_in"),
        CONTAINS("contains"), STARTS_WITH("starts_with"), IS_NULL("is_null"), IS_NOT_NULL("is_not_null"),
        BETWEEN("between"), IN_LAST_DAYS("in_last_days"), MORE_THAN_DAYS_AGO("more_than_days_ago"),
        DAYS_AGO("days_ago"), ANNIVERSARY("anniversary");

        private final String json;

        Op(String json) {
            this.json = json;
        }

        public String json() {
            return json;
        }

        static Op of(String text) {
            for (Op op : values()) {
                if (op.json.equals(text)) {
                    return op;
                }
            }
            return null;
        }

        boolean ordering() {
            return this == LT || this == LTE || this == GT || this == GTE;
        }

        boolean dateRelative() {
            return this == IN_LAST_DAYS || this == MORE_THAN_DAYS_AGO || this == DAYS_AGO || this == ANNIVERSARY;
        }
    }

    /** The time window of an aggregate or an existence test, on the table's time attribute. */
    sealed interface Window {
        /** From N days before now up to now. */
        record LastDays(int days) implements Window {}

        /** From (inclusive) to (exclusive); either end may be open. */
        record Between(Instant from, Instant to) implements Window {}

        /** Since the journey instance started (journey conditions only). */
        record SinceJourneyStart() implements Window {}
    }
}
