package io.activation.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the unsubscribe page shows of an address, and what is kept of a request. */
class VisitorAndMaskTest {

    @Test
    void addressesAreMaskedSoTheRecipientRecognisesThemAndOthersLearnLittle() {
        assertThat(Interactions.mask("ann.peeters@example.be")).isEqualTo("a***@example.be");
        assertThat(Interactions.mask("+32470123456")).isEqualTo("+32*******56");
        assertThat(Interactions.mask("1234")).isEqualTo("***");
        assertThat(Interactions.mask(null)).isEmpty();
    }

    @Test
    void visitorsAreCutToTheColumnsAndLoseControlCharacters() {
        Visitor v = new Visitor("Mail\r\nX-Evil: 1" + "x".repeat(600), " 10.0.0.1 ");
        assertThat(v.userAgent()).hasSize(500).doesNotContain("\r").doesNotContain("\n");
        assertThat(v.ip()).isEqualTo("10.0.0.1");
        assertThat(new Visitor(" ", null)).isEqualTo(new Visitor(null, null));
    }
}
