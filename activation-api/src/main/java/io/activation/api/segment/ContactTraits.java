package io.activation.api.segment;

import io.activation.datamodel.RowInputs;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Which identify traits are contact attributes: Segment's reserved traits {@code email}, {@code phone},
 * {@code firstName}/{@code first_name}, {@code lastName}/{@code last_name}, {@code birthday} and
 * {@code address.country} (when it is an ISO 3166 alpha-2 code), plus traits named exactly like a custom contact
 * attribute. All other traits are only kept with the {@code identify} event.
 */
@Component
class ContactTraits {

    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

    private final TableCatalog catalog;
    private final RowInputs inputs;

    ContactTraits(TableCatalog catalog, RowInputs inputs) {
        this.catalog = catalog;
        this.inputs = inputs;
    }

    /**
     * The traits as contact columns to values, checked as the contact write will check them; an invalid value is an
     * {@link InvalidInputException} naming the trait ({@code traits.email}).
     */
    ObjectNode columns(ObjectNode traits, String prefix) {
        TableSchema contacts = catalog.contacts();
        ObjectNode columns = JsonNodeFactory.instance.objectNode();
        Map<String, String> sources = new LinkedHashMap<>();
        copy(traits, List.of("email"), "email", columns, sources);
        copy(traits, List.of("phone"), "phone", columns, sources);
        copy(traits, List.of("firstName", "first_name"), "first_name", columns, sources);
        copy(traits, List.of("lastName", "last_name"), "last_name", columns, sources);
        if (traits.has("birthday")) {
            columns.set("birth_date", birthDate(traits.get("birthday")));
            sources.put("birth_date", "birthday");
        }
        JsonNode country = traits.path("address").path("country");
        if (country.isString()) {
            String code = country.stringValue().trim().toUpperCase(Locale.ROOT);
            if (COUNTRIES.contains(code)) {
                columns.put("country", code);
                sources.put("country", "address.country");
            }
        }
        for (TableSchema.Column column : contacts.columns()) {
            if (!column.system() && traits.has(column.name())) {
                columns.set(column.name(), traits.get(column.name()));
                sources.put(column.name(), column.name());
            }
        }
        try {
            inputs.parseValues(contacts, columns, "", region(columns));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.errors().stream().map(error -> new FieldError(
                    prefix + "traits." + sources.getOrDefault(error.field(), error.field()), error.message()))
                    .toList());
        }
        return columns;
    }

    private static void copy(ObjectNode traits, List<String> names, String column, ObjectNode columns,
            Map<String, String> sources) {
        for (String name : names) {
            if (traits.has(name)) {
                columns.set(column, traits.get(name));
                sources.put(column, name);
                return;
            }
        }
    }

    /**
     * A birthday as a date. Clients that serialise a date object send the timestamp of local midnight in UTC
     * ({@code 1990-02-27T23:00:00.000Z} for the 28th in Brussels); the calendar date whose midnight is nearest is
     * the one meant, for every offset within ±12 hours.
     */
    static JsonNode birthDate(JsonNode birthday) {
        if (birthday == null || !birthday.isString() || birthday.stringValue().length() <= 10) {
            return birthday;
        }
        try {
            OffsetDateTime at = OffsetDateTime.parse(birthday.stringValue().trim());
            return JsonNodeFactory.instance.stringNode(at.toInstant().plus(Duration.ofHours(12))
                    .atOffset(ZoneOffset.UTC).toLocalDate().toString());
        } catch (DateTimeParseException e) {
            return birthday;
        }
    }

    /** As the contact write reads national phone numbers: with the contact's country. */
    private static String region(ObjectNode columns) {
        JsonNode country = columns.get("country");
        return country != null && country.isString() && country.stringValue().length() == 2
                ? country.stringValue() : null;
    }
}
