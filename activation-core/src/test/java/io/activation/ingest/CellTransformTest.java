package io.activation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CellTransformTest {

    private static final ZoneId LONDON = ZoneId.of("Europe/London");

    private static String apply(String spec, String text) throws InvalidCell {
        return CellTransform.parse(spec, LONDON).apply(text, new CellTransform.Notes());
    }

    @Test
    void integerDropsTheZeroFractionSpreadsheetsWriteOnIds() throws InvalidCell {
        assertThat(apply("integer", "17850.0")).isEqualTo("17850");
        assertThat(apply("integer", " 42 ")).isEqualTo("42");
        assertThat(apply("integer", "1.50E3")).isEqualTo("1500");
        assertThatThrownBy(() -> apply("integer", "17850.5")).isInstanceOf(InvalidCell.class)
                .hasMessageContaining("not a whole number");
        assertThatThrownBy(() -> apply("integer", "abc")).isInstanceOf(InvalidCell.class);
    }

    @Test
    void datetimeReadsLocalTimeInTheZoneAcrossDaylightSaving() throws InvalidCell {
        // Online Retail writes UK local time: GMT in winter, BST (UTC+1) in summer.
        assertThat(apply("datetime:yyyy-MM-dd HH:mm:ss", "2010-12-01 08:26:00")).isEqualTo("2010-12-01T08:26:00Z");
        assertThat(apply("datetime:yyyy-MM-dd HH:mm:ss", "2011-06-01 10:00:00")).isEqualTo("2011-06-01T09:00:00Z");
        assertThat(CellTransform.parse("datetime:dd/MM/yyyy HH:mm", ZoneId.of("UTC"))
                .apply("09/12/2011 12:50", new CellTransform.Notes())).isEqualTo("2011-12-09T12:50:00Z");
        assertThat(apply("datetime:yyyy-MM-dd'T'HH:mm:ssXXX", "2011-06-01T10:00:00+02:00"))
                .isEqualTo("2011-06-01T08:00:00Z");
        assertThatThrownBy(() -> apply("datetime:yyyy-MM-dd HH:mm:ss", "2011-13-01 10:00:00"))
                .isInstanceOf(InvalidCell.class).hasMessageContaining("yyyy-MM-dd HH:mm:ss");
    }

    @Test
    void dateWritesIsoDates() throws InvalidCell {
        assertThat(apply("date:dd/MM/yyyy", "28/02/1990")).isEqualTo("1990-02-28");
        assertThatThrownBy(() -> apply("date:dd/MM/yyyy", "1990-02-28")).isInstanceOf(InvalidCell.class);
    }

    @Test
    void startsWithMarksCancellations() throws InvalidCell {
        assertThat(apply("startsWith:C", "C536379")).isEqualTo("true");
        assertThat(apply("startsWith:C", "536379")).isEqualTo("false");
        assertThat(apply("startsWith:C", "c536379")).isEqualTo("false");
    }

    @Test
    void caseTransforms() throws InvalidCell {
        assertThat(apply("lower", "Ann@Example.COM")).isEqualTo("ann@example.com");
        assertThat(apply("upper", "be")).isEqualTo("BE");
        assertThat(apply("trim", "  x\u2003")).isEqualTo("x");
    }

    @Test
    void countryNameGivesIsoCodesAndWarnsOnNamesItDoesNotKnow() throws InvalidCell {
        CellTransform.Notes notes = new CellTransform.Notes();
        CellTransform t = CellTransform.parse("country-name", LONDON);
        assertThat(t.apply("United Kingdom", notes)).isEqualTo("GB");
        assertThat(t.apply("EIRE", notes)).isEqualTo("IE");
        assertThat(t.apply("USA", notes)).isEqualTo("US");
        assertThat(t.apply("RSA", notes)).isEqualTo("ZA");
        assertThat(t.apply("Czech Republic", notes)).isEqualTo("CZ");
        assertThat(t.apply("Hong Kong", notes)).isEqualTo("HK");
        assertThat(t.apply("côte d'ivoire", notes)).isEqualTo("CI");
        assertThat(t.apply("be", notes)).isEqualTo("BE");
        assertThat(t.apply("DEU", notes)).isEqualTo("DE");
        assertThat(notes.take()).isNull();
        assertThat(t.apply("Channel Islands", notes)).isEmpty();
        assertThat(notes.take()).contains("'Channel Islands' is not a country name we know");
        assertThat(notes.take()).isNull();
    }

    @Test
    void badSpecsSayWhatIsWrong() {
        assertThatThrownBy(() -> CellTransform.parse("uppercase", LONDON)).hasMessageContaining("unknown transform"
                + " 'uppercase'").hasMessageContaining("startsWith:<prefix>");
        assertThatThrownBy(() -> CellTransform.parse("startsWith", LONDON)).hasMessageContaining("needs an argument");
        assertThatThrownBy(() -> CellTransform.parse("integer:2", LONDON)).hasMessageContaining("takes no argument");
        assertThatThrownBy(() -> CellTransform.parse("datetime:yyyy-MM-dd {", LONDON))
                .hasMessageContaining("not a valid date-time pattern");
    }
}
