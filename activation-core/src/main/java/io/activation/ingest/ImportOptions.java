package io.activation.ingest;

import io.activation.platform.FieldError;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * How an import reads its file and treats its lines ({@code mapping.options}).
 *
 * @param timeZone the zone of date-times written without an offset ({@code datetime:} transforms); UTC by default
 * @param skipRowsWithoutContact lines whose contact (for contacts: external id) is empty are counted as skipped
 *     instead of rejected, e.g. a shop's guest purchases
 * @param events whether the writes publish change events; {@code false} for historical back-fills that no journey
 *     should react to
 * @param ignoreEmptyCells an empty cell leaves the attribute as it is instead of clearing it
 * @param delimiter the field separator
 * @param encoding the file's character set: UTF-8 (default), ISO-8859-1, ISO-8859-15 or windows-1252
 * @param defaultCountry the ISO country used to read phone numbers written without +country code, when the row
 *     has no country of its own; may be null
 */
public record ImportOptions(ZoneId timeZone, boolean skipRowsWithoutContact, boolean events, boolean ignoreEmptyCells,
        char delimiter, Charset encoding, String defaultCountry) {

    public static final ImportOptions DEFAULTS = new ImportOptions(ZoneId.of("UTC"), false, true, false, ',',
            StandardCharsets.UTF_8, null);

    private static final Map<String, Charset> ENCODINGS = Map.of(
            "utf-8", StandardCharsets.UTF_8, "utf8", StandardCharsets.UTF_8,
            "iso-8859-1", StandardCharsets.ISO_8859_1, "latin1", StandardCharsets.ISO_8859_1,
            "iso-8859-15", Charset.forName("ISO-8859-15"),
            "windows-1252", Charset.forName("windows-1252"), "cp1252", Charset.forName("windows-1252"));
    private static final Set<String> FIELDS = Set.of("timeZone", "skipRowsWithoutContact", "events",
            "ignoreEmptyCells", "delimiter", "encoding", "defaultCountry");

    /** Reads {@code mapping.options}; absent fields keep their defaults. Problems go to {@code errors}. */
    static ImportOptions parse(JsonNode node, String path, List<FieldError> errors) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return DEFAULTS;
        }
        if (!node.isObject()) {
            errors.add(new FieldError(path, "must be an object"));
            return DEFAULTS;
        }
        for (String name : node.propertyNames()) {
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(path + "." + name, "is not an option; use " + String.join(", ",
                        List.of("timeZone", "skipRowsWithoutContact", "events", "ignoreEmptyCells", "delimiter",
                                "encoding", "defaultCountry"))));
            }
        }
        ZoneId zone = DEFAULTS.timeZone();
        String zoneText = text(node, "timeZone", path, errors);
        if (zoneText != null) {
            zone = zone(zoneText, path + ".timeZone", errors);
        }
        char delimiter = DEFAULTS.delimiter();
        String d = text(node, "delimiter", path, errors);
        if (d != null) {
            if (d.length() != 1 || d.charAt(0) == '"' || d.charAt(0) == '\r' || d.charAt(0) == '\n') {
                errors.add(new FieldError(path + ".delimiter", "must be one character other than a quote or a"
                        + " line break, e.g. \",\", \";\" or \"\\t\""));
            } else {
                delimiter = d.charAt(0);
            }
        }
        Charset encoding = DEFAULTS.encoding();
        String e = text(node, "encoding", path, errors);
        if (e != null) {
            encoding = ENCODINGS.get(e.toLowerCase(Locale.ROOT));
            if (encoding == null) {
                errors.add(new FieldError(path + ".encoding",
                        "must be UTF-8, ISO-8859-1, ISO-8859-15 or windows-1252"));
                encoding = DEFAULTS.encoding();
            }
        }
        String country = text(node, "defaultCountry", path, errors);
        if (country != null) {
            country = country.toUpperCase(Locale.ROOT);
            if (!Set.of(Locale.getISOCountries()).contains(country)) {
                errors.add(new FieldError(path + ".defaultCountry", "must be an ISO 3166-1 alpha-2 code such as GB"));
                country = null;
            }
        }
        return new ImportOptions(zone, flag(node, "skipRowsWithoutContact", false, path, errors),
                flag(node, "events", true, path, errors), flag(node, "ignoreEmptyCells", false, path, errors),
                delimiter, encoding, country);
    }

    static ZoneId zone(String text, String field, List<FieldError> errors) {
        try {
            return ZoneId.of(text);
        } catch (DateTimeException ex) {
            errors.add(new FieldError(field, "must be an IANA time zone such as Europe/London, not '"
                    + Cells.shown(text) + "'"));
            return DEFAULTS.timeZone();
        }
    }

    /** The options in effect, defaults included, as they are stored and shown. */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("timeZone", timeZone.getId());
        json.put("skipRowsWithoutContact", skipRowsWithoutContact);
        json.put("events", events);
        json.put("ignoreEmptyCells", ignoreEmptyCells);
        json.put("delimiter", String.valueOf(delimiter));
        json.put("encoding", encoding.name());
        if (defaultCountry == null) {
            json.putNull("defaultCountry");
        } else {
            json.put("defaultCountry", defaultCountry);
        }
        return json;
    }

    private static String text(JsonNode node, String name, String path, List<FieldError> errors) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            errors.add(new FieldError(path + "." + name, "must be a string"));
            return null;
        }
        return value.stringValue();
    }

    private static boolean flag(JsonNode node, String name, boolean fallback, String path, List<FieldError> errors) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            errors.add(new FieldError(path + "." + name, "must be true or false"));
            return fallback;
        }
        return value.booleanValue();
    }
}
