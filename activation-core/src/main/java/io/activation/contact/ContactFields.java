package io.activation.contact;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The contact's built-in attributes as the API names them (camelCase) and as the table names them (columns).
 * Custom attributes keep their column name in both.
 */
public final class ContactFields {

    private static final Map<String, String> API_TO_COLUMN = new LinkedHashMap<>();

    static {
        API_TO_COLUMN.put("externalId", "external_id");
        API_TO_COLUMN.put("email", "email");
        API_TO_COLUMN.put("phone", "phone");
        API_TO_COLUMN.put("firstName", "first_name");
        API_TO_COLUMN.put("lastName", "last_name");
        API_TO_COLUMN.put("birthDate", "birth_date");
        API_TO_COLUMN.put("locale", "locale");
        API_TO_COLUMN.put("timeZone", "time_zone");
        API_TO_COLUMN.put("country", "country");
    }

    private ContactFields() {}

    public static Map<String, String> builtIn() {
        return Map.copyOf(API_TO_COLUMN);
    }

    public static Optional<String> column(String apiName) {
        return Optional.ofNullable(API_TO_COLUMN.get(apiName));
    }

    public static Optional<String> apiName(String column) {
        return API_TO_COLUMN.entrySet().stream().filter(e -> e.getValue().equals(column)).map(Map.Entry::getKey)
                .findFirst();
    }

    public static boolean isBuiltIn(String column) {
        return API_TO_COLUMN.containsValue(column);
    }
}
