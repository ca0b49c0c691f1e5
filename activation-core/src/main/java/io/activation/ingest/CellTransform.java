package io.activation.ingest;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/**
 * One step that turns the text of a CSV cell into the text its attribute takes, written in a mapping as a short
 * name: {@code trim}, {@code integer}, {@code lower}, {@code upper}, {@code datetime:<pattern>},
 * {@code date:<pattern>}, {@code country-name} or {@code startsWith:<prefix>}. Transforms never see empty cells:
 * an empty cell stays empty.
 */
sealed interface CellTransform {

    String NAMES = "trim, integer, lower, upper, datetime:<pattern>, date:<pattern>, country-name, startsWith:<prefix>";

    /**
     * @param text a non-empty cell
     * @param notes where a transform leaves a warning when it gives up on a value without rejecting the line
     * @return the transformed text; empty when the value is dropped (with a warning)
     */
    String apply(String text, Notes notes) throws InvalidCell;

    /** Collects the warning of one cell; reused across cells. */
    final class Notes {
        private String warning;

        void warn(String message) {
            warning = message;
        }

        /** The warning left since the last call, if any, and forgets it. */
        String take() {
            String w = warning;
            warning = null;
            return w;
        }
    }

    /**
     * Reads a transform as a mapping writes it.
     *
     * @param zone the time zone for {@code datetime} patterns without an offset
     * @throws IllegalArgumentException with a message for the mapping's author
     */
    static CellTransform parse(String spec, ZoneId zone) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("must name a transform: one of " + NAMES);
        }
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec.trim() : spec.substring(0, colon).trim();
        String argument = colon < 0 ? null : spec.substring(colon + 1);
        switch (name) {
            case "trim", "integer", "lower", "upper", "country-name" -> {
                if (argument != null) {
                    throw new IllegalArgumentException("'" + name + "' takes no argument");
                }
            }
            case "datetime", "date", "startsWith" -> {
                if (argument == null || argument.isEmpty()) {
                    throw new IllegalArgumentException("'" + name + "' needs an argument, e.g. "
                            + (name.equals("startsWith") ? "startsWith:C" : name + ":yyyy-MM-dd HH:mm:ss"));
                }
            }
            default -> throw new IllegalArgumentException("unknown transform '" + spec + "'; use one of " + NAMES);
        }
        return switch (name) {
            case "trim" -> new Trim();
            case "integer" -> new WholeNumber();
            case "lower" -> new Lower();
            case "upper" -> new Upper();
            case "country-name" -> new CountryName();
            case "startsWith" -> new StartsWith(argument);
            case "date" -> new DatePattern(argument, formatter(argument));
            default -> new DateTimePattern(argument, formatter(argument), zone);
        };
    }

    private static DateTimeFormatter formatter(String pattern) {
        try {
            return DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + pattern + "' is not a valid date-time pattern: " + e.getMessage());
        }
    }

    /** Drops leading and trailing white space (Unicode-aware); applied by default before the others. */
    record Trim() implements CellTransform {
        @Override
        public String apply(String text, Notes notes) {
            return text.strip();
        }
    }

    /** A whole number written with a decimal part of zeros, as spreadsheets export ids: 17850.0 → 17850. */
    record WholeNumber() implements CellTransform {
        @Override
        public String apply(String text, Notes notes) throws InvalidCell {
            try {
                return new BigDecimal(text.strip()).stripTrailingZeros().toBigIntegerExact().toString();
            } catch (NumberFormatException | ArithmeticException e) {
                throw new InvalidCell("is not a whole number: '" + Cells.shown(text) + "'");
            }
        }
    }

    record Lower() implements CellTransform {
        @Override
        public String apply(String text, Notes notes) {
            return text.toLowerCase(Locale.ROOT);
        }
    }

    record Upper() implements CellTransform {
        @Override
        public String apply(String text, Notes notes) {
            return text.toUpperCase(Locale.ROOT);
        }
    }

    /** An English country name (or an ISO code) to its ISO 3166-1 alpha-2 code; unknown names are dropped. */
    record CountryName() implements CellTransform {
        @Override
        public String apply(String text, Notes notes) {
            String code = CountryNames.isoCode(text);
            if (code == null) {
                notes.warn("'" + Cells.shown(text) + "' is not a country name we know; the attribute was left empty");
                return "";
            }
            return code;
        }
    }

    /** {@code true} when the cell starts with the prefix (case-sensitive), else {@code false}. */
    record StartsWith(String prefix) implements CellTransform {
        @Override
        public String apply(String text, Notes notes) {
            return Boolean.toString(text.startsWith(prefix));
        }
    }

    /** A date in the given pattern, to ISO-8601 ({@code 2011-12-09}). */
    record DatePattern(String pattern, DateTimeFormatter formatter) implements CellTransform {
        @Override
        public String apply(String text, Notes notes) throws InvalidCell {
            try {
                return LocalDate.parse(text, formatter).toString();
            } catch (DateTimeException e) {
                throw new InvalidCell("is not a date as " + pattern + ": '" + Cells.shown(text) + "'");
            }
        }
    }

    /**
     * A date-time in the given pattern, to an ISO-8601 instant. Without an offset in the pattern, the time is local
     * to the zone (a time that falls in a daylight-saving gap moves forward; in an overlap the earlier one wins).
     */
    record DateTimePattern(String pattern, DateTimeFormatter formatter, ZoneId zone) implements CellTransform {
        @Override
        public String apply(String text, Notes notes) throws InvalidCell {
            try {
                TemporalAccessor parsed = formatter.parseBest(text, ZonedDateTime::from, OffsetDateTime::from,
                        LocalDateTime::from, LocalDate::from);
                if (parsed instanceof ZonedDateTime z) {
                    return z.toInstant().toString();
                }
                if (parsed instanceof OffsetDateTime o) {
                    return o.toInstant().toString();
                }
                if (parsed instanceof LocalDateTime l) {
                    return l.atZone(zone).toInstant().toString();
                }
                return ((LocalDate) parsed).atStartOfDay(zone).toInstant().toString();
            } catch (DateTimeException e) {
                throw new InvalidCell("is not a date-time as " + pattern + ": '" + Cells.shown(text) + "'");
            }
        }
    }
}
