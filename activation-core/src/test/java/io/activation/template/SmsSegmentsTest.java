package io.activation.template;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmsSegmentsTest {

    @Test
    void gsm7FitsOneHundredSixtySeptetsThenOneHundredFiftyThreePerPart() {
        assertThat(SmsSegments.of("")).isEqualTo(new SmsSegments(0, "GSM-7", 0, 0));
        assertThat(SmsSegments.of("a".repeat(160))).isEqualTo(new SmsSegments(160, "GSM-7", 160, 1));
        assertThat(SmsSegments.of("a".repeat(161))).isEqualTo(new SmsSegments(161, "GSM-7", 161, 2));
        assertThat(SmsSegments.of("a".repeat(306)).segments()).isEqualTo(2);
        assertThat(SmsSegments.of("a".repeat(307)).segments()).isEqualTo(3);
        assertThat(SmsSegments.of("Ça coûte 5€ {ok} àèéìòù ÄÖÑÜ ß @£$¥").encoding()).isEqualTo("UCS-2"); // û
        assertThat(SmsSegments.of("Ca coute 5€ {ok} àèéìòù ÄÖÑÜ ß @£$¥")).satisfies(s -> {
            assertThat(s.encoding()).isEqualTo("GSM-7");
            assertThat(s.units()).isEqualTo(s.characters() + 3); // €, { and } take two septets
        });
    }

    @Test
    void ucs2FitsSeventyUnitsThenSixtySevenPerPartAndEmojiTakeTwo() {
        assertThat(SmsSegments.of("ж".repeat(70))).isEqualTo(new SmsSegments(70, "UCS-2", 70, 1));
        assertThat(SmsSegments.of("ж".repeat(71))).isEqualTo(new SmsSegments(71, "UCS-2", 71, 2));
        assertThat(SmsSegments.of("ж".repeat(134)).segments()).isEqualTo(2);
        assertThat(SmsSegments.of("ж".repeat(135)).segments()).isEqualTo(3);
        assertThat(SmsSegments.of("😀".repeat(35))).isEqualTo(new SmsSegments(35, "UCS-2", 70, 1));
    }

    @Test
    void htmlBecomesReadableText() {
        assertThat(HtmlText.of("<html><head><style>p{color:red}</style></head><body><h1>Hi &amp; welcome</h1>"
                + "<p>Line one<br>line two</p><ul><li>A</li><li>B</li></ul>"
                + "<p><a href=\"https://x.example/?a=1&amp;b=2\">Shop</a> <a href=\"https://y.example\">"
                + "https://y.example</a> &#8364;5 &lt;3</p><script>alert(1)</script></body></html>"))
                .isEqualTo("Hi & welcome\n\nLine one\nline two\n\n- A\n- B\n\n"
                        + "Shop (https://x.example/?a=1&b=2) https://y.example €5 <3");
    }
}
