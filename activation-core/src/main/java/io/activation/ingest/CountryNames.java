package io.activation.ingest;

import java.text.Normalizer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;

/**
 * English country names as shop exports write them, to ISO 3166-1 alpha-2 codes: the JDK's English names, ISO
 * alpha-2 and alpha-3 codes, and the usual other spellings (EIRE, USA, UK, RSA, Czech Republic, Holland, ...).
 * Matching ignores case, accents and punctuation. Names that are not one country (Channel Islands, European
 * Community, Unspecified) are unknown on purpose.
 */
final class CountryNames {

    private static final Map<String, String> CODES = new HashMap<>();

    static {
        for (String code : Locale.getISOCountries()) {
            Locale country = new Locale("", code);
            CODES.put(normalized(code), code);
            CODES.put(normalized(country.getDisplayCountry(Locale.ENGLISH)), code);
            try {
                CODES.put(normalized(country.getISO3Country()), code);
            } catch (MissingResourceException e) {
                // No alpha-3 code known to the JDK: the name and alpha-2 code still match.
            }
        }
        alias("GB", "UK", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland", "Britain");
        alias("IE", "EIRE", "Republic of Ireland");
        alias("US", "USA", "United States of America", "America");
        alias("ZA", "RSA", "Republic of South Africa");
        alias("CZ", "Czech Republic");
        alias("NL", "Holland", "The Netherlands");
        alias("HK", "Hong Kong");
        alias("MO", "Macau", "Macao");
        alias("KR", "South Korea", "Korea", "Republic of Korea");
        alias("KP", "North Korea");
        alias("RU", "Russia", "Russian Federation");
        alias("VN", "Vietnam", "Viet Nam");
        alias("TR", "Turkey", "Turkiye");
        alias("CI", "Ivory Coast", "Cote d'Ivoire");
        alias("MK", "Macedonia", "North Macedonia");
        alias("SZ", "Swaziland", "Eswatini");
        alias("MM", "Burma", "Myanmar");
        alias("CV", "Cape Verde", "Cabo Verde");
        alias("TW", "Taiwan");
        alias("VA", "Vatican", "Vatican City", "Holy See");
        alias("PS", "Palestine");
        alias("BO", "Bolivia");
        alias("VE", "Venezuela");
        alias("TZ", "Tanzania");
        alias("MD", "Moldova");
        alias("LA", "Laos");
        alias("BN", "Brunei");
        alias("SY", "Syria");
        alias("IR", "Iran");
        alias("CD", "Democratic Republic of the Congo", "DR Congo");
        alias("CG", "Republic of the Congo", "Congo");
        alias("AE", "UAE", "United Arab Emirates");
    }

    private CountryNames() {}

    /** The ISO alpha-2 code of the name, or {@code null} when it names no single country we know. */
    static String isoCode(String name) {
        return name == null ? null : CODES.get(normalized(name));
    }

    private static void alias(String code, String... names) {
        for (String name : names) {
            CODES.put(normalized(name), code);
        }
    }

    private static String normalized(String name) {
        String plain = Normalizer.normalize(name, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        return plain.toLowerCase(Locale.ROOT).replace("&", " and ").replaceAll("[^a-z0-9]+", " ").strip();
    }
}
