package io.activation.datamodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

class ValuesTest {

    private final Values values = new Values(100);
    private final JsonMapper json = JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private static TableSchema.Column column(AttributeType type) {
        return new TableSchema.Column("a", type, false, false, List.of("open", "abandoned"), null);
    }

    @Test
    void emailKeepsTheLocalPartAndLowerCasesTheDomain() throws Exception {
        assertThat(values.fromText(column(AttributeType.EMAIL), " Ann.Peeters@Example.BE ", null))
                .isEqualTo("Ann.Peeters@example.be");
        assertThat(values.fromText(column(AttributeType.EMAIL), "jo@bücher.de", null)).isEqualTo("jo@xn--bcher-kva.de");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "@example.com", "a@", "a@b", "a..b@example.com", "a b@example.com",
            "a@exa_mple.com", ".a@example.com"})
    void malformedEmailsAreRejected(String email) {
        assertThatThrownBy(() -> values.fromText(column(AttributeType.EMAIL), email, null))
                .isInstanceOf(Values.InvalidValue.class).hasMessageContaining("e-mail");
    }

    @Test
    void phonesBecomeE164AndNationalNumbersNeedTheCountry() throws Exception {
        assertThat(values.fromText(column(AttributeType.PHONE), "+32 470 12 34 56", null)).isEqualTo("+32470123456");
        assertThat(values.fromText(column(AttributeType.PHONE), "0470 12 34 56", "BE")).isEqualTo("+32470123456");
        assertThatThrownBy(() -> values.fromText(column(AttributeType.PHONE), "0470 12 34 56", null))
                .hasMessageContaining("international format");
        assertThatThrownBy(() -> values.fromText(column(AttributeType.PHONE), "+32 12", null))
                .hasMessageContaining("not a valid phone number");
    }

    @Test
    void typedValuesFromJson() throws Exception {
        assertThat(values.fromJson(column(AttributeType.INTEGER), json.readTree("42"), null)).isEqualTo(42L);
        assertThat(values.fromJson(column(AttributeType.INTEGER), json.readTree("42.0"), null)).isEqualTo(42L);
        assertThat((BigDecimal) values.fromJson(column(AttributeType.DECIMAL), json.readTree("12.50"), null))
                .isEqualByComparingTo("12.5");
        assertThat(values.fromJson(column(AttributeType.DECIMAL), json.readTree("12345678901234567.89"), null))
                .isEqualTo(new BigDecimal("12345678901234567.89"));
        assertThat(values.fromJson(column(AttributeType.DATE), json.readTree("\"2024-02-29\""), null))
                .isEqualTo(LocalDate.of(2024, 2, 29));
        assertThat(values.fromJson(column(AttributeType.TIMESTAMP), json.readTree("\"2026-11-22T10:00:00+01:00\""),
                null)).isEqualTo(Instant.parse("2026-11-22T09:00:00Z"));
        assertThat(values.fromJson(column(AttributeType.ENUM), json.readTree("\"open\""), null)).isEqualTo("open");
        assertThat(values.fromJson(column(AttributeType.BOOLEAN), json.readTree("null"), null)).isNull();
    }

    @Test
    void wrongTypesAreRejectedWithAReason() {
        assertThatThrownBy(() -> values.fromJson(column(AttributeType.INTEGER), json.readTree("\"42\""), null))
                .hasMessageContaining("integer");
        assertThatThrownBy(() -> values.fromJson(column(AttributeType.INTEGER), json.readTree("4.5"), null))
                .hasMessageContaining("integer");
        assertThatThrownBy(() -> values.fromJson(column(AttributeType.BOOLEAN), json.readTree("\"true\""), null))
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> values.fromJson(column(AttributeType.DATE), json.readTree("\"2023-02-29\""), null))
                .hasMessageContaining("YYYY-MM-DD");
        assertThatThrownBy(() -> values.fromJson(column(AttributeType.ENUM), json.readTree("\"closed\""), null))
                .hasMessageContaining("one of [open, abandoned]");
        assertThatThrownBy(() -> values.fromJson(column(AttributeType.TEXT), json.readTree("\"x".repeat(1) + "y"
                .repeat(101) + "\""), null)).hasMessageContaining("at most 100");
    }

    @Test
    void textThatPostgresqlCannotStoreIsRejected() {
        assertThatThrownBy(() -> values.fromText(column(AttributeType.TEXT), "a\u0000b", null))
                .hasMessageContaining("NUL");
        assertThatThrownBy(() -> values.fromText(column(AttributeType.TEXT), "a\ud800b", null))
                .hasMessageContaining("surrogate");
        assertThatThrownBy(() -> values.fromJson(column(AttributeType.JSON), json.readTree("{\"a\": \"\\u0000\"}"),
                null)).hasMessageContaining("NUL");
    }

    @Test
    void sameComparesNumbersByValue() {
        assertThat(Values.same(new BigDecimal("1.50"), new BigDecimal("1.5"))).isTrue();
        assertThat(Values.same(null, null)).isTrue();
        assertThat(Values.same(null, "x")).isFalse();
    }
}
