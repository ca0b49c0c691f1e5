package io.activation.template;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The plain-text alternative of an HTML e-mail: block structure as line breaks, links as "label (url)". */
final class HtmlText {

    private static final Pattern INVISIBLE = Pattern.compile(
            "(?is)<(head|style|script|title)\\b[^>]*>.*?</\\1\\s*>|<!--.*?-->");
    private static final Pattern LINK = Pattern.compile("(?is)<a\\b[^>]*?href\\s*=\\s*([\"'])(.*?)\\1[^>]*>(.*?)</a\\s*>");
    private static final Pattern BREAK = Pattern.compile("(?i)<br\\s*/?>");
    private static final Pattern BLOCK_END = Pattern.compile("(?i)</(p|div|h[1-6]|tr|table|ul|ol|blockquote)\\s*>");
    private static final Pattern LIST_ITEM = Pattern.compile("(?i)<li\\b[^>]*>");
    private static final Pattern LIST_ITEM_END = Pattern.compile("(?i)</li\\s*>");
    private static final Pattern CELL_END = Pattern.compile("(?i)</t[dh]\\s*>");
    private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");
    private static final Pattern NUMERIC = Pattern.compile("&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});");

    private HtmlText() {}

    static String of(String html) {
        if (html == null) {
            return null;
        }
        String s = INVISIBLE.matcher(html).replaceAll("");
        Matcher links = LINK.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (links.find()) {
            String url = unescape(links.group(2)).trim();
            String label = unescape(TAG.matcher(links.group(3)).replaceAll("")).trim();
            String text = label.isEmpty() || label.equals(url) ? url : label + " (" + url + ")";
            links.appendReplacement(sb, Matcher.quoteReplacement(text));
        }
        links.appendTail(sb);
        s = BREAK.matcher(sb).replaceAll("\n");
        s = LIST_ITEM.matcher(s).replaceAll("\n- ");
        s = LIST_ITEM_END.matcher(s).replaceAll("");
        s = BLOCK_END.matcher(s).replaceAll("\n\n");
        s = CELL_END.matcher(s).replaceAll(" ");
        s = TAG.matcher(s).replaceAll("");
        s = unescape(s);
        s = s.replaceAll("[ \\t\\x0B\\f\\r]+", " ").replaceAll(" *\n *", "\n").replaceAll("\n{3,}", "\n\n");
        return s.strip();
    }

    static String unescape(String s) {
        String out = s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&apos;", "'");
        Matcher numeric = NUMERIC.matcher(out);
        StringBuilder sb = new StringBuilder();
        while (numeric.find()) {
            String n = numeric.group(1);
            int cp = n.startsWith("x") ? Integer.parseInt(n.substring(1), 16) : Integer.parseInt(n);
            numeric.appendReplacement(sb, Matcher.quoteReplacement(Character.isValidCodePoint(cp)
                    ? new String(Character.toChars(cp)) : ""));
        }
        numeric.appendTail(sb);
        return sb.toString().replace("&amp;", "&");
    }
}
