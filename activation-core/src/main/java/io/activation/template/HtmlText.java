package io.activation.template;

/**
 * The plain-text alternative of an HTML e-mail: block structure as line breaks, links as "label (url)".
 *
 * <p>Hand-written scans, one per step, each giving exactly what the regular expression named in its comment gave
 * with {@code replaceAll} (ASCII case-insensitive as {@code (?i)} is, {@code \s} = {@code [ \t\n\x0B\f\r]}); the
 * regex version was about 5 % of the e-mail pipeline's CPU. {@code HtmlTextTest} pins the output to the regex
 * version's, byte for byte, over representative and generated HTML.
 */
final class HtmlText {

    private static final String[] INVISIBLE = {"head", "style", "script", "title"};
    private static final String[] BLOCKS = {"p", "div", "h", "tr", "table", "ul", "ol", "blockquote"};

    private HtmlText() {}

    static String of(String html) {
        if (html == null) {
            return null;
        }
        String s = removeInvisible(html);
        s = links(s);
        s = breaks(s);
        s = listItems(s);
        s = closing(s, "li", "");
        s = blockEnds(s);
        s = cellEnds(s);
        s = stripTags(s);
        s = unescape(s);
        s = whitespace(s);
        return s.strip();
    }

    /** {@code (?is)<(head|style|script|title)\b[^>]*>.*?</\1\s*>|<!--.*?-->} removed. */
    private static String removeInvisible(String s) {
        int lt = s.indexOf('<');
        if (lt < 0) {
            return s;
        }
        StringBuilder sb = null;
        int copied = 0;
        int n = s.length();
        for (int i = lt; i >= 0 && i < n; i = s.indexOf('<', i)) {
            int end = -1;
            for (String name : INVISIBLE) {
                int afterName = i + 1 + name.length();
                if (startsWithIgnoreCase(s, i + 1, name) && boundaryAfterWord(s, afterName)) {
                    int gt = s.indexOf('>', afterName);
                    if (gt >= 0) {
                        end = closingTag(s, gt + 1, name);
                    }
                    break; // the names share no prefix: no other alternative can match here
                }
            }
            if (end < 0 && s.startsWith("<!--", i)) {
                int close = s.indexOf("-->", i + 4);
                if (close >= 0) {
                    end = close + 3;
                }
            }
            if (end < 0) {
                i++;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n);
            }
            sb.append(s, copied, i);
            copied = end;
            i = end;
        }
        if (sb == null) {
            return s;
        }
        return sb.append(s, copied, n).toString();
    }

    /** The end of the first {@code </name\s*>} at or after {@code from}, or -1. */
    private static int closingTag(String s, int from, String name) {
        for (int i = s.indexOf("</", from); i >= 0; i = s.indexOf("</", i + 1)) {
            if (startsWithIgnoreCase(s, i + 2, name)) {
                int j = skipSpace(s, i + 2 + name.length());
                if (j < s.length() && s.charAt(j) == '>') {
                    return j + 1;
                }
            }
        }
        return -1;
    }

    /**
     * {@code (?is)<a\b[^>]*?href\s*=\s*(["'])(.*?)\1[^>]*>(.*?)</a\s*>} replaced by "label (url)", or the url alone
     * when the label is empty or the url itself (url and label unescaped and trimmed, the label without tags).
     */
    private static String links(String s) {
        StringBuilder sb = null;
        int copied = 0;
        int n = s.length();
        for (int i = s.indexOf('<'); i >= 0 && i < n; i = s.indexOf('<', i)) {
            int[] link = link(s, i);
            if (link == null) {
                i++;
                continue;
            }
            String url = unescape(s.substring(link[0], link[1])).trim();
            String label = unescape(stripTags(s.substring(link[2], link[3]))).trim();
            if (sb == null) {
                sb = new StringBuilder(n);
            }
            sb.append(s, copied, i);
            if (label.isEmpty() || label.equals(url)) {
                sb.append(url);
            } else {
                sb.append(label).append(" (").append(url).append(')');
            }
            copied = link[4];
            i = link[4];
        }
        if (sb == null) {
            return s;
        }
        return sb.append(s, copied, n).toString();
    }

    /**
     * The link starting at {@code i}: url start and end, label start and end, end of the match; or null. Tries
     * {@code href} at each position before the first {@code >} as the lazy {@code [^>]*?} does; for one
     * {@code href} only the first closing quote can lead to a match (a later one moves the tag's end and with it
     * the label's start only further on, so no {@code </a>} is found after it either).
     */
    private static int[] link(String s, int i) {
        int n = s.length();
        if (i + 1 >= n || (s.charAt(i + 1) | 0x20) != 'a' || !boundaryAfterWord(s, i + 2)) {
            return null;
        }
        int tagEnd = s.indexOf('>', i + 2);
        int limit = tagEnd < 0 ? n : tagEnd;
        for (int q = i + 2; q + 4 <= limit; q++) {
            if (!startsWithIgnoreCase(s, q, "href")) {
                continue;
            }
            int j = skipSpace(s, q + 4);
            if (j >= n || s.charAt(j) != '=') {
                continue;
            }
            j = skipSpace(s, j + 1);
            if (j >= n || (s.charAt(j) != '"' && s.charAt(j) != '\'')) {
                continue;
            }
            int close = s.indexOf(s.charAt(j), j + 1);
            if (close < 0) {
                continue;
            }
            int gt = s.indexOf('>', close + 1);
            if (gt < 0) {
                continue;
            }
            for (int c = s.indexOf("</", gt + 1); c >= 0; c = s.indexOf("</", c + 1)) {
                int end = closingEnd(s, c, "a");
                if (end >= 0) {
                    return new int[] {j + 1, close, gt + 1, c, end};
                }
            }
        }
        return null;
    }

    /** {@code (?i)<br\s*\/?>} replaced by a line break. */
    private static String breaks(String s) {
        StringBuilder sb = null;
        int copied = 0;
        int n = s.length();
        for (int i = s.indexOf('<'); i >= 0; i = s.indexOf('<', i + 1)) {
            if (!startsWithIgnoreCase(s, i + 1, "br")) {
                continue;
            }
            int j = skipSpace(s, i + 3);
            if (j < n && s.charAt(j) == '/') {
                j++;
            }
            if (j >= n || s.charAt(j) != '>') {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n);
            }
            sb.append(s, copied, i).append('\n');
            copied = j + 1;
            i = j;
        }
        return sb == null ? s : sb.append(s, copied, n).toString();
    }

    /** {@code (?i)<li\b[^>]*>} replaced by a line break and "- ". */
    private static String listItems(String s) {
        StringBuilder sb = null;
        int copied = 0;
        int n = s.length();
        for (int i = s.indexOf('<'); i >= 0; i = s.indexOf('<', i + 1)) {
            if (!startsWithIgnoreCase(s, i + 1, "li") || !boundaryAfterWord(s, i + 3)) {
                continue;
            }
            int gt = s.indexOf('>', i + 3);
            if (gt < 0) {
                break;
            }
            if (sb == null) {
                sb = new StringBuilder(n);
            }
            sb.append(s, copied, i).append("\n- ");
            copied = gt + 1;
            i = gt;
        }
        return sb == null ? s : sb.append(s, copied, n).toString();
    }

    /** {@code (?i)</name\s*>} replaced by {@code replacement}. */
    private static String closing(String s, String name, String replacement) {
        StringBuilder sb = null;
        int copied = 0;
        int n = s.length();
        for (int i = s.indexOf("</"); i >= 0; i = s.indexOf("</", i + 1)) {
            int end = closingEnd(s, i, name);
            if (end < 0) {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n);
            }
            sb.append(s, copied, i).append(replacement);
            copied = end;
            i = end - 1;
        }
        return sb == null ? s : sb.append(s, copied, n).toString();
    }

    /** The end of {@code </name\s*>} starting at {@code i} (which holds {@code </}), or -1. */
    private static int closingEnd(String s, int i, String name) {
        if (!startsWithIgnoreCase(s, i + 2, name)) {
            return -1;
        }
        int j = skipSpace(s, i + 2 + name.length());
        return j < s.length() && s.charAt(j) == '>' ? j + 1 : -1;
    }

    /** {@code (?i)</(p|div|h[1-6]|tr|table|ul|ol|blockquote)\s*>} replaced by two line breaks. */
    private static String blockEnds(String s) {
        StringBuilder sb = null;
        int copied = 0;
        int n = s.length();
        for (int i = s.indexOf("</"); i >= 0; i = s.indexOf("</", i + 1)) {
            int end = -1;
            for (String name : BLOCKS) {
                if (name.equals("h")) {
                    char digit = i + 3 < n ? s.charAt(i + 3) : 0;
                    if (digit >= '1' && digit <= '6' && startsWithIgnoreCase(s, i + 2, "h")) {
                        int j = skipSpace(s, i + 4);
                        end = j < n && s.charAt(j) == '>' ? j + 1 : -1;
                    }
                } else {
                    end = closingEnd(s, i, name);
                }
                if (end >= 0) {
                    break;
                }
            }
            if (end < 0) {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n);
            }
            sb.append(s, copied, i).append("\n\n");
            copied = end;
            i = end - 1;
        }
        return sb == null ? s : sb.append(s, copied, n).toString();
    }

    /** {@code (?i)</t[dh]\s*>} replaced by a space. */
    private static String cellEnds(String s) {
        StringBuilder sb = null;
        int copied = 0;
        int n = s.length();
        for (int i = s.indexOf("</"); i >= 0; i = s.indexOf("</", i + 1)) {
            int end = closingEnd(s, i, "td");
            if (end < 0) {
                end = closingEnd(s, i, "th");
            }
            if (end < 0) {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n);
            }
            sb.append(s, copied, i).append(' ');
            copied = end;
            i = end - 1;
        }
        return sb == null ? s : sb.append(s, copied, n).toString();
    }

    /** {@code (?s)<[^>]*>} removed. */
    private static String stripTags(String s) {
        int i = s.indexOf('<');
        if (i < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        int copied = 0;
        while (i >= 0) {
            int gt = s.indexOf('>', i + 1);
            if (gt < 0) {
                break;
            }
            sb.append(s, copied, i);
            copied = gt + 1;
            i = s.indexOf('<', copied);
        }
        return sb.append(s, copied, s.length()).toString();
    }

    /**
     * {@code [ \t\x0B\f\r]+} to one space, then {@code " *\n *"} to a line break, then {@code \n{3,}} to two: a run
     * of blanks becomes one space, or nothing when a line break is next to it; three or more line breaks become two.
     */
    private static String whitespace(String s) {
        int n = s.length();
        StringBuilder sb = new StringBuilder(n);
        int newlines = 0;
        boolean blank = false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == 0x0B || c == '\f' || c == '\r') {
                blank = true;
            } else if (c == '\n') {
                blank = false;
                newlines++;
            } else {
                if (newlines > 0) {
                    sb.append(newlines >= 2 ? "\n\n" : "\n");
                } else if (blank) {
                    sb.append(' ');
                }
                newlines = 0;
                blank = false;
                sb.append(c);
            }
        }
        if (newlines > 0) {
            sb.append(newlines >= 2 ? "\n\n" : "\n");
        } else if (blank) {
            sb.append(' ');
        }
        return sb.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        String out = s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&apos;", "'");
        return numeric(out).replace("&amp;", "&");
    }

    /** {@code &#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});} replaced by its character (nothing for no valid code point). */
    private static String numeric(String s) {
        StringBuilder sb = null;
        int copied = 0;
        int n = s.length();
        for (int i = s.indexOf("&#"); i >= 0; i = s.indexOf("&#", i + 1)) {
            int j = i + 2;
            boolean hex = j < n && s.charAt(j) == 'x';
            int digitsFrom = hex ? j + 1 : j;
            int k = digitsFrom;
            int max = hex ? 6 : 7;
            while (k < n && k - digitsFrom < max && (hex ? Character.digit(s.charAt(k), 16) >= 0
                    && s.charAt(k) < 128 : s.charAt(k) >= '0' && s.charAt(k) <= '9')) {
                k++;
            }
            if (k == digitsFrom || k >= n || s.charAt(k) != ';') {
                continue;
            }
            int cp = Integer.parseInt(s, digitsFrom, k, hex ? 16 : 10);
            if (sb == null) {
                sb = new StringBuilder(n);
            }
            sb.append(s, copied, i);
            if (Character.isValidCodePoint(cp)) {
                sb.appendCodePoint(cp);
            }
            copied = k + 1;
            i = k;
        }
        return sb == null ? s : sb.append(s, copied, n).toString();
    }

    /** {@code \s*} as Java's regex has it: the index of the first character from {@code i} not in it. */
    private static int skipSpace(String s, int i) {
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != 0x0B && c != '\f' && c != '\r') {
                break;
            }
            i++;
        }
        return i;
    }

    /** {@code word} (lower-case ASCII) at {@code i}, ASCII case-insensitively as {@code (?i)} without UNICODE_CASE. */
    private static boolean startsWithIgnoreCase(String s, int i, String word) {
        if (i < 0 || i + word.length() > s.length()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            char c = s.charAt(i + k);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + 0x20);
            }
            if (c != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** {@code \b} right after a word character: the end, or a character that is not a word character. */
    private static boolean boundaryAfterWord(String s, int i) {
        if (i >= s.length()) {
            return true;
        }
        int cp = s.codePointAt(i);
        return !(cp == '_' || Character.isLetterOrDigit(cp) || Character.getType(cp) == Character.NON_SPACING_MARK);
    }
}
