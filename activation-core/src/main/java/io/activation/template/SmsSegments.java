package io.activation.template;

/**
 * How many SMS segments a text takes: GSM-7 (the GSM 03.38 basic set; extension characters such as {@code €},
 * {@code [} and <code>{</code> take two septets) when every character is in it, else UCS-2 (UTF-16 code units).
 * One segment holds 160 GSM-7 septets or 70 UCS-2 units; a concatenated message 153 or 67 per segment.
 *
 * @param characters the text's length as the user sees it (code points)
 * @param encoding {@code GSM-7} or {@code UCS-2}
 * @param units septets (GSM-7) or UTF-16 units (UCS-2) the text takes
 * @param segments how many SMS the text is sent as (0 for an empty text)
 */
public record SmsSegments(int characters, String encoding, int units, int segments) {

    private static final String BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    private static final String EXTENSION = "\f^{}\\[~]|€";

    public static SmsSegments of(String text) {
        if (text == null || text.isEmpty()) {
            return new SmsSegments(0, "GSM-7", 0, 0);
        }
        int septets = 0;
        boolean gsm = true;
        for (int i = 0; i < text.length() && gsm; i++) {
            char c = text.charAt(i);
            if (BASIC.indexOf(c) >= 0) {
                septets++;
            } else if (EXTENSION.indexOf(c) >= 0) {
                septets += 2;
            } else {
                gsm = false;
            }
        }
        int characters = text.codePointCount(0, text.length());
        if (gsm) {
            return new SmsSegments(characters, "GSM-7", septets, septets <= 160 ? 1 : divideUp(septets, 153));
        }
        int units = text.length();
        return new SmsSegments(characters, "UCS-2", units, units <= 70 ? 1 : divideUp(units, 67));
    }

    private static int divideUp(int a, int b) {
        return (a + b - 1) / b;
    }
}
