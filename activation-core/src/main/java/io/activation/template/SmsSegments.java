package io.activation.template;

import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Counts the segments an SMS text is sent as (3GPP TS 23.038 and 23.040).
 *
 * <p>A text of GSM 03.38 characters only is sent 7-bit: one segment holds 160 septets, a part of a concatenated
 * message 153 (7 septets go to the user data header). Characters of the extension table ({@code € [ ] { } \ ^ ~ |}
 * and form feed) take two septets (escape + character), and the two are never split across parts, so a part may
 * hold 152. Any other character makes the whole text UCS-2: 70 UTF-16 units in one segment, 67 per part, and a
 * character outside the Basic Multilingual Plane (most emoji) takes two units that are never split either.
 *
 * <p>National language shift tables (Turkish, Spanish, Portuguese, Indian languages) are not used: providers such
 * as Twilio do not send with them, so the count here is the one the provider bills.
 */
public final class SmsSegments {

    /** Longest text counted: Twilio refuses bodies over 1,600 characters; ten times that is surely a mistake. */
    public static final int MAX_TEXT_LENGTH = 16_000;

    static final int GSM_SINGLE = 160;
    static final int GSM_PART = 153;
    static final int UCS2_SINGLE = 70;
    static final int UCS2_PART = 67;

    /** GSM 03.38 default alphabet, in table order (0x00 to 0x7F; 0x1B, the escape, left out). */
    private static final String BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    /** The extension table reached through the escape: two septets each. */
    private static final String EXTENSION = "\f^{}\\[~]|€";

    /** How a text is encoded on the air. */
    public enum Encoding {
        GSM_7("GSM-7"), UCS_2("UCS-2");

        private final String label;

        Encoding(String label) {
            this.label = label;
        }

        /** The name shown in the API: {@code GSM-7} or {@code UCS-2}. */
        public String label() {
            return label;
        }
    }

    /**
     * The count for one text.
     *
     * @param encoding GSM-7 or UCS-2
     * @param characters the characters a person counts (Unicode code points)
     * @param units what the segments are filled with: septets for GSM-7 (extension characters count two), UTF-16
     *     units for UCS-2 (characters outside the BMP count two)
     * @param segments how many SMS the text is sent (and billed) as; 0 for the empty text
     * @param perSegment units a segment holds at this length (160/153 or 70/67)
     * @param nonGsmCharacters the distinct characters that forced UCS-2, in order of appearance (empty for GSM-7)
     */
    public record Count(Encoding encoding, int characters, int units, int segments, int perSegment,
            List<String> nonGsmCharacters) {

        public Count {
            nonGsmCharacters = List.copyOf(nonGsmCharacters);
        }
    }

    private SmsSegments() {}

    /** Counts a text; {@code field} names it in the problem when the text is missing or too long. */
    public static Count count(String text, String field) {
        if (text == null) {
            throw new InvalidInputException(field, "is required");
        }
        if (text.length() > MAX_TEXT_LENGTH) {
            throw new InvalidInputException(field, "must be at most " + MAX_TEXT_LENGTH + " characters");
        }
        return count(text);
    }

    /** Counts a text (never null). */
    public static Count count(String text) {
        Set<String> nonGsm = new LinkedHashSet<>();
        text.codePoints().filter(cp -> septets(cp) == 0).forEach(cp -> nonGsm.add(Character.toString(cp)));
        int characters = text.codePointCount(0, text.length());
        if (nonGsm.isEmpty()) {
            List<Integer> costs = new ArrayList<>(characters);
            text.codePoints().forEach(cp -> costs.add(septets(cp)));
            return pack(Encoding.GSM_7, characters, costs, GSM_SINGLE, GSM_PART, List.of());
        }
        List<Integer> costs = new ArrayList<>(characters);
        text.codePoints().forEach(cp -> costs.add(Character.charCount(cp)));
        return pack(Encoding.UCS_2, characters, costs, UCS2_SINGLE, UCS2_PART, List.copyOf(nonGsm));
    }

    /** True when the text is sent 7-bit. */
    public static boolean isGsm7(String text) {
        return text.codePoints().allMatch(cp -> septets(cp) > 0);
    }

    /** Septets a character takes in GSM-7: 1 (basic table), 2 (extension table) or 0 (not in GSM 03.38). */
    static int septets(int codePoint) {
        if (codePoint > 0xFFFF) {
            return 0;
        }
        char c = (char) codePoint;
        if (BASIC.indexOf(c) >= 0) {
            return 1;
        }
        return EXTENSION.indexOf(c) >= 0 ? 2 : 0;
    }

    /** Fills parts greedily, never splitting one character's units across two parts. */
    private static Count pack(Encoding encoding, int characters, List<Integer> costs, int single, int part,
            List<String> nonGsm) {
        int units = costs.stream().mapToInt(Integer::intValue).sum();
        if (units == 0) {
            return new Count(encoding, characters, 0, 0, single, nonGsm);
        }
        if (units <= single) {
            return new Count(encoding, characters, units, 1, single, nonGsm);
        }
        int segments = 1;
        int used = 0;
        for (int cost : costs) {
            if (used + cost > part) {
                segments++;
                used = 0;
            }
            used += cost;
        }
        return new Count(encoding, characters, units, segments, part, nonGsm);
    }
}
