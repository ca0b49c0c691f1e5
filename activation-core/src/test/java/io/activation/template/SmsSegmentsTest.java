package io.activation.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.template.SmsSegments.Count;
import io.activation.template.SmsSegments.Encoding;
import io.activation.platform.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmsSegmentsTest {

    @Test
    void theEmptyTextIsNoSegment() {
        Count c = SmsSegments.count("");
        assertThat(c.encoding()).isEqualTo(Encoding.GSM_7);
        assertThat(c.characters()).isZero();
        assertThat(c.segments()).isZero();
    }

    @Test
    void everyCharacterOfTheBasicTableIsOneSeptet() {
        String basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
        assertThat(basic.length()).isEqualTo(127);
        Count c = SmsSegments.count(basic);
        assertThat(c.encoding()).isEqualTo(Encoding.GSM_7);
        assertThat(c.units()).isEqualTo(127);
        assertThat(c.segments()).isEqualTo(1);
        assertThat(c.nonGsmCharacters()).isEmpty();
    }

    @Test
    void everyCharacterOfTheExtensionTableIsTwoSeptets() {
        for (char ch : "\f^{}\\[~]|€".toCharArray()) {
            Count c = SmsSegments.count(String.valueOf(ch));
            assertThat(c.encoding()).as("%s", ch).isEqualTo(Encoding.GSM_7);
            assertThat(c.units()).as("%s", ch).isEqualTo(2);
            assertThat(c.characters()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "160, 1", "161, 2", "306, 2", "307, 3", "459, 3", "460, 4"})
    void gsmTextsFill160ThenParts153(int length, int segments) {
        Count c = SmsSegments.count("a".repeat(length));
        assertThat(c.encoding()).isEqualTo(Encoding.GSM_7);
        assertThat(c.characters()).isEqualTo(length);
        assertThat(c.segments()).isEqualTo(segments);
        assertThat(c.perSegment()).isEqualTo(segments == 1 ? 160 : 153);
    }

    @Test
    void extensionCharactersCountDoubleAgainstTheLimit() {
        // 80 euro signs are 160 septets: one segment; one more character needs a second.
        assertThat(SmsSegments.count("€".repeat(80)).segments()).isEqualTo(1);
        assertThat(SmsSegments.count("€".repeat(80) + "a").segments()).isEqualTo(2);
        Count c = SmsSegments.count("€".repeat(80) + "a");
        assertThat(c.characters()).isEqualTo(81);
        assertThat(c.units()).isEqualTo(161);
    }

    @Test
    void anEscapePairIsNeverSplitAcrossParts() {
        // 152 septets then '€' (2): 154 > 153, so '€' opens part two; 'a'x151 more fill part two to 153 exactly.
        String text = "a".repeat(152) + "€" + "a".repeat(151);
        assertThat(SmsSegments.count(text).units()).isEqualTo(305);
        assertThat(SmsSegments.count(text).segments()).isEqualTo(2);
        // Without the rule 305 septets would fit in two parts of 153 as well; one more septet shows the split cost:
        // part one holds 152 (the pair moved on), so 306 septets need three parts, not two.
        assertThat(SmsSegments.count(text + "a").segments()).isEqualTo(3);
        assertThat(SmsSegments.count("a".repeat(306)).segments()).isEqualTo(2);
    }

    @Test
    void oneNonGsmCharacterMakesTheWholeTextUcs2() {
        Count c = SmsSegments.count("Hello ✓ world");
        assertThat(c.encoding()).isEqualTo(Encoding.UCS_2);
        assertThat(c.characters()).isEqualTo(13);
        assertThat(c.units()).isEqualTo(13);
        assertThat(c.segments()).isEqualTo(1);
        assertThat(c.nonGsmCharacters()).containsExactly("✓");
    }

    @ParameterizedTest
    @CsvSource({"70, 1", "71, 2", "134, 2", "135, 3", "201, 3", "202, 4"})
    void ucs2TextsFill70ThenParts67(int length, int segments) {
        Count c = SmsSegments.count("ж".repeat(length));
        assertThat(c.encoding()).isEqualTo(Encoding.UCS_2);
        assertThat(c.segments()).isEqualTo(segments);
        assertThat(c.perSegment()).isEqualTo(segments == 1 ? 70 : 67);
    }

    @Test
    void anEmojiIsTwoUnitsAndOneCharacterAndIsNeverSplit() {
        Count one = SmsSegments.count("😀");
        assertThat(one.characters()).isEqualTo(1);
        assertThat(one.units()).isEqualTo(2);
        assertThat(one.nonGsmCharacters()).containsExactly("😀");
        assertThat(SmsSegments.count("😀".repeat(35)).segments()).isEqualTo(1);
        assertThat(SmsSegments.count("😀".repeat(35) + "a").segments()).isEqualTo(2);
        // 66 units then an emoji (2): it opens part two instead of being split.
        String text = "a".repeat(66) + "😀" + "a".repeat(65);
        assertThat(SmsSegments.count(text).units()).isEqualTo(133);
        assertThat(SmsSegments.count(text).segments()).isEqualTo(2);
        assertThat(SmsSegments.count(text + "a").segments()).isEqualTo(3);
    }

    @Test
    void the160CharacterMessageWithOneEmojiBecomesThreeSegments() {
        Count c = SmsSegments.count("a".repeat(159) + "😀");
        assertThat(c.encoding()).isEqualTo(Encoding.UCS_2);
        assertThat(c.characters()).isEqualTo(160);
        assertThat(c.segments()).isEqualTo(3);
    }

    @Test
    void charactersThatLookGsmButAreNotForceUcs2() {
        // Curly quotes, the lower-case c cedilla, the Greek lower-case alpha, the grave-accented capital A, a tab.
        for (String s : new String[] {"“", "’", "ç", "α", "À", "\t", "`"}) {
            Count c = SmsSegments.count("x" + s);
            assertThat(c.encoding()).as("%s", s).isEqualTo(Encoding.UCS_2);
            assertThat(c.nonGsmCharacters()).as("%s", s).containsExactly(s);
        }
        assertThat(SmsSegments.isGsm7("Ça coûte 5€")).isFalse();
        assertThat(SmsSegments.isGsm7("Ça va? 5€ {ok}")).isTrue();
    }

    @Test
    void nonGsmCharactersAreDistinctInOrderOfAppearance() {
        assertThat(SmsSegments.count("“quoted” and “again” 😀").nonGsmCharacters())
                .containsExactly("“", "”", "😀");
    }

    @Test
    void ucs2CountsExtensionCharactersOnce() {
        Count c = SmsSegments.count("€✓");
        assertThat(c.encoding()).isEqualTo(Encoding.UCS_2);
        assertThat(c.units()).isEqualTo(2);
    }

    @Test
    void missingAndOversizedTextsNameTheField() {
        assertThatThrownBy(() -> SmsSegments.count(null, "text")).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).errors().get(0).field()).isEqualTo("text"));
        assertThatThrownBy(() -> SmsSegments.count("a".repeat(SmsSegments.MAX_TEXT_LENGTH + 1), "text"))
                .isInstanceOf(InvalidInputException.class);
        assertThat(SmsSegments.count("a".repeat(1600), "text").segments()).isEqualTo(11);
    }
}
