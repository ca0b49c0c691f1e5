package io.activation.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written {@link HtmlText} gives, byte for byte, what the regex version it replaced gave (kept here as
 * {@link Regex}): over representative e-mail HTML and over generated HTML made of the fragments where the two could
 * differ (case, blanks inside tags, unclosed tags and comments, quotes, entities, non-ASCII letters and marks).
 */
class HtmlTextTest {

    private static final List<String> BODIES = List.of(
            "<html><head><title>T</title><style>p{color:red}</style></head><body><p>Hello Ada Lovelace,</p>"
                    + "<p>Thank you for your latest orders:</p><table><tr><td>A-1</td><td>Tea</td><td>EUR 3.50</td></tr>"
                    + "<tr><td>A-2</td><td>Cup</td><td>EUR 9.00</td></tr></table>"
                    + "<p><a href=\"https://shop.example/account/x1\">Your account</a> - <a href=\"https://shop.example/"
                    + "offers?for=1&amp;a=b\">Offers for you</a></p><p style=\"font-size:small\"><a href=\"https://t.example"
                    + "/u/abc\">Unsubscribe</a></p></body></html>",
            "<div>Line one<br>Line two<BR/>Line three<br />four</div><ul><li>a</li><LI class=x>b</li ></ul><ol><li>c</ol>",
            "<h1>Title</h1><H2 >Sub</H2 ><blockquote>q</blockquote ><script>alert('<p>x</p>')</script><!-- note <b> -->end",
            "<p>&lt;tag&gt; &amp;amp; &#38;lt; &#x26;gt; &#169; &#x1F600; &#99999999; &#xFFFFFF; &nbsp;&quot;&#39;&apos;</p>",
            "<a href='https://a.example'>https://a.example</a> <a href=\"https://b.example\"></a> <a href=\"mailto:x@y\">"
                    + "<img src=x><b>Bold</b> label</a> <a name=\"top\">anchor</a> <abbr>no</abbr>",
            "  \t leading\r\n\r\n\r\n\r\n  trailing \f\u000B  <p>para</p>\n \n \n<p>two</p>  ",
            "<a href=\"https://unclosed.example\">no end <p>after</p>",
            "<headline>not head</headline><style-x>not style</style-x><title>t</TITLE >kept",
            "<a_ href=\"https://u.example\">u</a> <a\u00e9 href=\"https://e.example\">e</a> <a\u0301 href='https://m"
                    + ".example'>m</a> <a\thref=\"https://t.example\">t</a><li_x>no item<li\u0301>no item<li-x>item",
            "<head_x>kept</head_x><head-x>gone</head><style\u0301>kept</style>",
            "");

    private static final String[] FRAGMENTS = {
        "<", ">", "</", "<a", "<A", "<a ", "<ab", "<a_", "<aé", "<a\u0301", "href", "HREF", "hRef", " = ", "=",
        "\"", "'", "https://x.example/p?q=1&amp;r=2", "</a>", "</A >", "</a\n>", "</ab>", "<br>", "<BR />", "<br/ >",
        "<li>", "<LI id=1>", "<lis>", "</li>", "</LI \t>", "<p>", "</p>", "</P>", "</pre>", "</div >", "</h3>",
        "</H6>", "</h7>", "</h>", "</tr>", "</table>", "</ul>", "</ol>", "</blockquote>", "</td>", "</TH >", "</tx>",
        "<head>", "</head>", "<HEAD x>", "<header>", "<style>", "</style >", "<script a=1>", "</SCRIPT>", "<title>",
        "</title>", "<titles>", "<!--", "-->", "--", "<!-->", "&", "&#", "&#x", "&#X41;", "&#65;", "&#x41;",
        "&#1234567;", "&#12345678;", "&#x10FFFF;", "&#x110000;", "&#xD800;", "&amp;", "&lt;", "&gt;", "&nbsp;",
        "&quot;", "&#39;", "&apos;", "&amp;lt;", "&#38;amp;", " ", "  ", "\t", "\n", "\r", "\f", "\u000B",
        "\u00A0", "\u2028", "text", "Ünïcödé", "ſcript", "x", "é", "_", "1", ";", "#"
    };

    @Test
    void representativeHtmlGivesTheRegexVersionsText() {
        for (String body : BODIES) {
            assertThat(HtmlText.of(body)).as(body).isEqualTo(Regex.of(body));
        }
    }

    private static final String[] NAMES = {
        "a", "A", "a_", "a\u00e9", "a\u0301", "a-b", "ab", "li", "LI", "li_", "li-x", "head", "Head", "head_", "style",
        "script", "title", "br", "p", "h2", "td", "th", "div"
    };
    private static final String[] ATTRIBUTES = {
        "", " ", " href=\"https://x.example/a?b=1&amp;c\"", " HREF = 'https://y.example'", " href=\"a'b\"",
        " href='", " href=\"", " x=\"y\"", " xhref=\"z\"", "\thref=\"t\"", " /", " href=\"q\" id='w'"
    };

    @Test
    void generatedHtmlGivesTheRegexVersionsText() {
        Random random = new Random(20261122L);
        for (int round = 0; round < 40_000; round++) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + random.nextInt(24);
            for (int p = 0; p < parts; p++) {
                if (random.nextInt(3) == 0) { // a whole opening or closing tag
                    String name = NAMES[random.nextInt(NAMES.length)];
                    sb.append(random.nextBoolean() ? "<" + name + ATTRIBUTES[random.nextInt(ATTRIBUTES.length)] + ">"
                            : "</" + name + (random.nextBoolean() ? "" : " \n") + ">");
                } else {
                    sb.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                }
            }
            String body = sb.toString();
            assertThat(HtmlText.of(body)).as(body).isEqualTo(Regex.of(body));
            assertThat(HtmlText.unescape(body)).as(body).isEqualTo(Regex.unescape(body));
        }
    }

    @Test
    void rendersTheStructureAsText() {
        assertThat(HtmlText.of(BODIES.get(0))).isEqualTo("""
                Hello Ada Lovelace,

                Thank you for your latest orders:

                A-1 Tea EUR 3.50

                A-2 Cup EUR 9.00

                Your account (https://shop.example/account/x1) - Offers for you (https://shop.example/offers?for=1&a=b)

                Unsubscribe (https://t.example/u/abc)""");
        assertThat(HtmlText.of(null)).isNull();
    }

    /** The regex version, as it was before the hand-written scans. */
    static final class Regex {
        private static final Pattern INVISIBLE = Pattern.compile(
                "(?is)<(head|style|script|title)\\b[^>]*>.*?</\\1\\s*>|<!--.*?-->");
        private static final Pattern LINK =
                Pattern.compile("(?is)<a\\b[^>]*?href\\s*=\\s*([\"'])(.*?)\\1[^>]*>(.*?)</a\\s*>");
        private static final Pattern BREAK = Pattern.compile("(?i)<br\\s*/?>");
        private static final Pattern BLOCK_END = Pattern.compile("(?i)</(p|div|h[1-6]|tr|table|ul|ol|blockquote)\\s*>");
        private static final Pattern LIST_ITEM = Pattern.compile("(?i)<li\\b[^>]*>");
        private static final Pattern LIST_ITEM_END = Pattern.compile("(?i)</li\\s*>");
        private static final Pattern CELL_END = Pattern.compile("(?i)</t[dh]\\s*>");
        private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");
        private static final Pattern NUMERIC = Pattern.compile("&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});");

        static String of(String html) {
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
}
