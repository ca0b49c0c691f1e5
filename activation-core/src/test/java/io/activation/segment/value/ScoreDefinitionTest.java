package io.activation.segment.value;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ScoreDefinitionTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void whereMatchesEqualValuesAnyOfAnArrayAndMembersOfArrayProperties() {
        ScoreDefinition d = ScoreDefinition.parse(JSON.readTree("""
                {"name": "s", "rules": [
                  {"event": "link_clicked", "where": {"campaign": ["spring", "summer"], "tags": "toys"}, "points": 5},
                  {"event": "order", "where": {"total": 10}, "points": 1}],
                 "thresholds": [50, 10]}"""));
        ScoreDefinition.Rule clicks = d.rules().get(0);
        assertThat(clicks.matches(props("{\"campaign\": \"spring\", \"tags\": [\"books\", \"toys\"]}"))).isTrue();
        assertThat(clicks.matches(props("{\"campaign\": \"autumn\", \"tags\": [\"toys\"]}"))).isFalse();
        assertThat(clicks.matches(props("{\"campaign\": \"summer\"}"))).isFalse();
        ScoreDefinition.Rule order = d.rules().get(1);
        assertThat(order.matches(props("{\"total\": 10.00}"))).isTrue();
        assertThat(order.matches(props("{\"total\": \"10\"}"))).isTrue();
        assertThat(order.matches(props("{\"total\": 11}"))).isFalse();
        assertThat(d.thresholds()).containsExactly(BigDecimal.TEN, BigDecimal.valueOf(50));
        assertThat(d.attribute()).isEqualTo("score_s");
    }

    @Test
    void theStoredJsonReadsBackTheSame() {
        ScoreDefinition d = ScoreDefinition.parse(JSON.readTree("""
                {"name": "s", "rules": [{"table": "orders", "on": "created", "where": {"status": "paid"},
                 "points": -2.5}], "decay": {"halfLifeDays": 30}}"""));
        var json = d.toJson();
        json.remove("attribute");
        assertThat(ScoreDefinition.parse(json)).isEqualTo(d);
    }

    private static JsonNode props(String json) {
        return JSON.readTree(json);
    }
}
