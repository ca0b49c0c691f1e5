package io.activation.datamodel;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.IDN;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.IllformedLocaleException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Converts attribute values between JSON (API), text (CSV) and the canonical Java values the writer binds and
 * compares: String, Long, BigDecimal, Boolean, LocalDate, Instant, or JsonNode. Every rejection says why in words.
 */
public final class Values {

    /** A value that does not fit its attribute; the message is for the client. */
    public static final class InvalidValue extends Exception {
        InvalidValue(String message) {
            super(message, null, false, false);
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());
    private static final Pattern EMAIL_LOCAL = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}");
    private static final Pattern EMAIL_DOMAIN = Pattern.compile(
            "(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}|"
                    + "(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+xn--[A-Za-z0-9-]{1,59}");
    private static final int MAX_JSON_CHARS = 65_536;

    private final int maxTextLength;

    public Values(int maxTextLength) {
        this.maxTextLength = maxTextLength;
    }

    /**
     * The canonical value of a JSON input for the column, {@code null} for JSON null.
     *
     * @param defaultRegion ISO country used to read a phone number written without +country code; may be null
     */
    public Object fromJson(TableSchema.Column column, JsonNode node, String defaultRegion) throws InvalidValue {
        if (node == null || node.isNull()) {
            return null;
        }
        AttributeType type = column.type();
        return switch (type) {
            case INTEGER -> {
                if (node.isIntegralNumber() && node.canConvertToLong()) {
                    yield node.longValue();
                }
                if (node.isNumber()) {
                    yield integralDecimal(node.decimalValue());
                }
                throw new InvalidValue("must be an integer number, not " + describe(node));
            }
            case DECIMAL -> {
                if (!node.isNumber()) {
                    throw new InvalidValue("must be a number, not " + describe(node));
                }
                yield decimal(node.decimalValue());
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw new InvalidValue("must be true or false, not " + describe(node));
                }
                yield node.booleanValue();
            }
            case JSON -> {
                checkJson(node);
                yield node;
            }
            default -> {
                if (!node.isString()) {
                    throw new InvalidValue("must be a string, not " + describe(node));
                }
                yield fromText(column, node.stringValue(), defaultRegion);
            }
        };
    }

    /** The canonical value of a textual input (CSV cells, path segments); empty text is {@code null}. */
    public Object fromText(TableSchema.Column column, String text, String defaultRegion) throws InvalidValue {
        if (text == null) {
            return null;
        }
        checkText(text);
        AttributeType type = column.type();
        if (text.isEmpty() && type != AttributeType.TEXT) {
            return null;
        }
        return switch (type) {
            case TEXT -> text;
            case INTEGER -> {
                try {
                    yield Long.parseLong(text.trim());
                } catch (NumberFormatException e) {
                    try {
                        yield integralDecimal(new BigDecimal(text.trim()));
                    } catch (NumberFormatException e2) {
                        throw new InvalidValue("must be an integer number, not '" + cut(text) + "'");
                    }
                }
            }
            case DECIMAL -> {
                try {
                    yield decimal(new BigDecimal(text.trim()));
                } catch (NumberFormatException e) {
                    throw new InvalidValue("must be a decimal number, not '" + cut(text) + "'");
                }
            }
            case BOOLEAN -> switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "true", "1", "yes", "y", "t" -> Boolean.TRUE;
                case "false", "0", "no", "n", "f" -> Boolean.FALSE;
                default -> throw new InvalidValue("must be true or false, not '" + cut(text) + "'");
            };
            case DATE -> date(text.trim());
            case TIMESTAMP -> timestamp(text.trim());
            case ENUM -> {
                if (!column.enumValues().contains(text)) {
                    throw new InvalidValue("must be one of " + column.enumValues() + ", not '" + cut(text) + "'");
                }
                yield text;
            }
            case JSON -> {
                try {
                    JsonNode node = JSON.readTree(text);
                    checkJson(node);
                    yield node;
                } catch (tools.jackson.core.JacksonException e) {
                    throw new InvalidValue("must be valid JSON");
                }
            }
            case EMAIL -> email(text.trim());
            case PHONE -> phone(text.trim(), defaultRegion);
            case LOCALE -> locale(text.trim());
            case TIME_ZONE -> timeZone(text.trim());
            case COUNTRY -> country(text.trim());
        };
    }

    /** A canonical value as JSON, for responses and change events. */
    public static JsonNode toJson(Object value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (value == null) {
            return f.nullNode();
        }
        if (value instanceof JsonNode node) {
            return node;
        }
        if (value instanceof Long l) {
            return f.numberNode(l);
        }
        if (value instanceof BigDecimal d) {
            return f.numberNode(d);
        }
        if (value instanceof Boolean b) {
            return f.booleanNode(b);
        }
        return f.stringNode(value.toString());
    }

    /** Whether two canonical values are the same (numbers by value, JSON by structure). */
    static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            return x.compareTo(y) == 0;
        }
        return a.equals(b);
    }

    static JsonMapper json() {
        return JSON;
    }

    private void checkText(String text) throws InvalidValue {
        if (text.length() > maxTextLength) {
            throw new InvalidValue("must be at most " + maxTextLength + " characters");
        }
        checkCharacters(text);
    }

    private static void checkCharacters(String text) throws InvalidValue {
        String problem = characterProblem(text);
        if (problem != null) {
            throw new InvalidValue(problem);
        }
    }

    /**
     * Why PostgreSQL cannot store the text as it is (a NUL character, an unpaired UTF-16 surrogate), or
     * {@code null} when it can.
     */
    static String characterProblem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\0') {
                return "must not contain the NUL character (\\u0000)";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return "contains an unpaired UTF-16 surrogate: not valid Unicode text";
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return "contains an unpaired UTF-16 surrogate: not valid Unicode text";
            }
        }
        return null;
    }

    private static void checkJson(JsonNode node) throws InvalidValue {
        String serialized = JSON.writeValueAsString(node);
        if (serialized.length() > MAX_JSON_CHARS) {
            throw new InvalidValue("JSON values must be at most " + MAX_JSON_CHARS + " characters");
        }
        if (serialized.contains("\\u0000")) {
            throw new InvalidValue("must not contain the NUL character (\\u0000)");
        }
        checkCharacters(serialized);
    }

    private static Long integralDecimal(BigDecimal d) throws InvalidValue {
        try {
            BigInteger exact = d.stripTrailingZeros().toBigIntegerExact();
            return exact.longValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidValue("must be an integer number (within ±9.2e18), not " + d.toPlainString());
        }
    }

    private static BigDecimal decimal(BigDecimal d) throws InvalidValue {
        if (d.precision() - d.scale() > 30 || d.scale() > 20) {
            throw new InvalidValue("is outside the supported range (30 digits before and 20 after the point)");
        }
        return d;
    }

    private static LocalDate date(String text) throws InvalidValue {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidValue("must be a date as YYYY-MM-DD, not '" + cut(text) + "'");
        }
    }

    private static Instant timestamp(String text) throws InvalidValue {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant()
                    .truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            try {
                // A timestamp without offset is read as UTC, as most shop exports write them.
                return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC)
                        .truncatedTo(ChronoUnit.MICROS);
            } catch (DateTimeParseException e2) {
                throw new InvalidValue("must be an ISO-8601 timestamp such as 2026-11-22T14:30:00Z, not '"
                        + cut(text) + "'");
            }
        }
    }

    static String email(String text) throws InvalidValue {
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1 || text.length() > 320) {
            throw new InvalidValue("is not a valid e-mail address: '" + cut(text) + "'");
        }
        String local = text.substring(0, at);
        String domain;
        try {
            domain = IDN.toASCII(text.substring(at + 1), IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new InvalidValue("is not a valid e-mail address: bad domain in '" + cut(text) + "'");
        }
        if (!EMAIL_LOCAL.matcher(local).matches() || local.startsWith(".") || local.endsWith(".")
                || local.contains("..") || !EMAIL_DOMAIN.matcher(domain).matches()) {
            throw new InvalidValue("is not a valid e-mail address: '" + cut(text) + "'");
        }
        return local + "@" + domain;
    }

    static String phone(String text, String defaultRegion) throws InvalidValue {
        String region = defaultRegion == null ? "ZZ" : defaultRegion;
        try {
            Phonenumber.PhoneNumber number = PHONES.parse(text, region);
            if (!PHONES.isValidNumber(number)) {
                throw new InvalidValue("is not a valid phone number: '" + cut(text) + "'");
            }
            return PHONES.format(number, PhoneNumberUtil.PhoneNumberFormat.E164);
        } catch (NumberParseException e) {
            if (e.getErrorType() == NumberParseException.ErrorType.INVALID_COUNTRY_CODE) {
                throw new InvalidValue("must be in international format (E.164, e.g. +32470123456)"
                        + " or come with the contact's country: '" + cut(text) + "'");
            }
            throw new InvalidValue("is not a valid phone number: '" + cut(text) + "'");
        }
    }

    private static String locale(String text) throws InvalidValue {
        try {
            Locale locale = new Locale.Builder().setLanguageTag(text.replace('_', '-')).build();
            if (locale.getLanguage().isEmpty()) {
                throw new InvalidValue("must be a BCP 47 language tag such as nl-BE, not '" + cut(text) + "'");
            }
            return locale.toLanguageTag();
        } catch (IllformedLocaleException e) {
            throw new InvalidValue("must be a BCP 47 language tag such as nl-BE, not '" + cut(text) + "'");
        }
    }

    private static String timeZone(String text) throws InvalidValue {
        try {
            return ZoneId.of(text).getId();
        } catch (DateTimeException e) {
            throw new InvalidValue("must be an IANA time zone such as Europe/Brussels, not '" + cut(text) + "'");
        }
    }

    private static String country(String text) throws InvalidValue {
        String upper = text.toUpperCase(Locale.ROOT);
        if (!COUNTRIES.contains(upper)) {
            throw new InvalidValue("must be an ISO 3166-1 alpha-2 country code such as BE, not '" + cut(text) + "'");
        }
        return upper;
    }

    private static String describe(JsonNode node) {
        if (node.isString()) {
            return "the string '" + cut(node.stringValue()) + "'";
        }
        if (node.isObject()) {
            return "an object";
        }
        if (node.isArray()) {
            return "an array";
        }
        return node.getNodeType().name().toLowerCase(Locale.ROOT) + " " + cut(node.toString());
    }

    private static String cut(String s) {
        String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
