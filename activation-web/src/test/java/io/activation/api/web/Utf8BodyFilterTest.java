package io.activation.api.web;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The UTF-8 check of JSON bodies, byte by byte (RFC 3629, table 3-7 of the Unicode standard). */
class Utf8BodyFilterTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "7b7d", "c2a0", "dfbf", "e0a080", "e282ac", "ed9fbf", "ee8080", "efbfbf",
            "f0908080", "f09f9880", "f3bfbfbf", "f48fbfbf"})
    void wellFormedSequencesPass(String hex) {
        assertThatCode(() -> validate(HexFormat.of().parseHex(hex))).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"80", "bf", "c0af", "c1bf", "c2", "c27f", "c2c0", "e080af", "e09fbf", "eda080",
            "edbfbf", "e282", "e28228", "f08f8080", "f4908080", "f5808080", "f8", "fe", "ff", "f09f98"})
    void malformedSequencesAreRefused(String hex) {
        assertThatThrownBy(() -> validate(HexFormat.of().parseHex(hex)))
                .isInstanceOf(Utf8BodyFilter.InvalidUtf8Exception.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"name\": \"Zoë\"}", "€ 5", "😀 and 🇧🇪", "日本語"})
    void javaEncodedTextPasses(String text) {
        assertThatCode(() -> validate(text.getBytes(StandardCharsets.UTF_8))).doesNotThrowAnyException();
    }

    private static void validate(byte[] bytes) throws Utf8BodyFilter.InvalidUtf8Exception {
        Utf8BodyFilter.Validator validator = new Utf8BodyFilter.Validator();
        for (byte b : bytes) {
            validator.accept(b & 0xFF);
        }
        validator.end();
    }
}
