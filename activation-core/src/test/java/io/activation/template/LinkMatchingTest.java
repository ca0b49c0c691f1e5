package io.activation.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The anchored link search finds exactly what a find() over the whole body with a leading word boundary finds. */
class LinkMatchingTest {

    private static final Pattern HREF_FIND = Pattern.compile("(?i)\\b" + LiquidRenderer.HREF.pattern().substring(4));
    private static final Pattern URL_FIND = Pattern.compile("(?i)\\b" + LiquidRenderer.URL.pattern().substring(4));

    private static final List<String> BODIES = List.of(
            "<p>Hi</p><a href=\"https://shop.example/cart?id=1&amp;x=2\">cart</a> <A HREF='HTTP://Shop.Example/A'>a</A>",
            "<a xhref=\"https://no.example\">no</a><a data_href=\"https://no.example\">no</a><a href = \"https://yes.example\">y</a>",
            "<a href=\"https://a.example\"><a href=\"https://b.example\">adjacent</a></a>href=\"https://bare.example\"",
            "<a href=\"mailto:x@example.org\">mail</a><a href=\"https://mixed.example'>broken</a>",
            "éhref=\"https://after-letter.example\" 1href=\"https://after-digit.example\" -href=\"https://after-dash.example\"",
            "Visit https://shop.example/cart, or http://Old.Example/x). Xhttp://not.example _https://not.example HTTPS://UP.EXAMPLE",
            "no links at all, only hrefs and https words: href http https: hhref hhttp://x",
            "",
            "h",
            "http://end.example");

    @Test
    void hrefsAsAWholeBodyFindWouldFindThem() {
        for (String body : BODIES) {
            assertThat(spans(LiquidRenderer.matchesAt(body, "href", LiquidRenderer.HREF)))
                    .as(body).isEqualTo(spans(find(HREF_FIND, body)));
        }
    }

    @Test
    void urlsAsAWholeBodyFindWouldFindThem() {
        for (String body : BODIES) {
            assertThat(spans(LiquidRenderer.matchesAt(body, "http", LiquidRenderer.URL)))
                    .as(body).isEqualTo(spans(find(URL_FIND, body)));
        }
    }

    @Test
    void findsTheLinksOfAnOrdinaryBody() {
        assertThat(LiquidRenderer.matchesAt(BODIES.get(0), "href", LiquidRenderer.HREF))
                .extracting(m -> m.group(3))
                .containsExactly("https://shop.example/cart?id=1&amp;x=2", "HTTP://Shop.Example/A");
    }

    private static List<MatchResult> find(Pattern pattern, String body) {
        List<MatchResult> found = new ArrayList<>();
        Matcher m = pattern.matcher(body);
        while (m.find()) {
            found.add(m.toMatchResult());
        }
        return found;
    }

    private static List<String> spans(List<MatchResult> matches) {
        return matches.stream().map(m -> m.start() + ".." + m.end() + " " + m.group()).toList();
    }

    /** What the renderer searched before: the start of the last find() of this pattern. */
    private static final Pattern BODY_END = Pattern.compile("(?i)</body\\s*>");

    private static int lastBodyEndByRegex(String html) {
        Matcher end = BODY_END.matcher(html);
        int at = -1;
        while (end.find()) {
            at = end.start();
        }
        return at;
    }

    @Test
    void theLastBodyEndIsWhereTheRegexFoundIt() {
        List<String> bodies = new ArrayList<>(List.of("<html><body>x</body></html>", "<BODY>x</BoDy >", "</body\t\r\n>",
                "</body", "</body>", "<//body>", "</ body>", "</bodyx>", "</body \u00a0>", "</body>a</body>b", "</bo",
                "", "<", "</body\u000b>", "</bódy>", "</BODY\f>  </body  x>"));
        java.util.Random random = new java.util.Random(7);
        List<String> pieces = List.of("</", "body", "BODY", "BoDy", ">", " ", "\t", "\n", "x", "<", "/", "\u000b",
                "\u00a0", "bod", "y>");
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(12);
            for (int i = 0; i < length; i++) {
                sb.append(pieces.get(random.nextInt(pieces.size())));
            }
            bodies.add(sb.toString());
        }
        int found = 0;
        for (String body : bodies) {
            int expected = lastBodyEndByRegex(body);
            assertThat(LiquidRenderer.lastBodyEnd(body)).as(body).isEqualTo(expected);
            found += expected >= 0 ? 1 : 0;
        }
        assertThat(found).as("bodies with a </body>").isGreaterThan(100);
    }
}
