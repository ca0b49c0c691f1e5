package io.activation.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class RuleParserTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Rule parse(String json) {
        return RuleParser.parse(JSON.readTree(json), "rule");
    }

    private static java.util.List<String> problems(String json) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> parse(json));
        assertThat(e).as("problems of %s", json).isNotNull();
        return e.errors().stream().map(FieldError::field).toList();
    }

    @Test
    void readsEveryElement() {
        Rule rule = parse("""
                {"and": [
                  {"attribute": "country", "op": "eq", "value": "NL"},
                  {"not": {"segment": "vip"}},
                  {"aggregate": {"table": "orders", "fn": "sum", "column": "total",
                     "where": {"attribute": "product.category", "op": "eq", "value": "toys"},
                     "window": {"lastDays": 365}}, "op": "gte", "value": 200},
                  {"exists": {"table": "wishlist_items", "window": {"from": "2026-01-01", "to": "2026-02-01T00:00:00Z"}}},
                  {"consent": {"channel": "email"}},
                  {"rfm": {"group": "Champions"}},
                  {"interest": "toys", "op": "gte", "value": 0.3}]}""");
        Rule.And and = (Rule.And) rule;
        assertThat(and.rules()).hasSize(7);
        Rule.Aggregate aggregate = (Rule.Aggregate) and.rules().get(2);
        assertThat(aggregate.path()).isEqualTo("rule.and[2]");
        assertThat(aggregate.fn()).isEqualTo(Rule.Fn.SUM);
        assertThat(aggregate.window()).isEqualTo(new Rule.Window.LastDays(365));
        assertThat(((Rule.Compare) aggregate.where()).path()).isEqualTo("rule.and[2].aggregate.where");
        assertThat(((Rule.Exists) and.rules().get(3)).window()).isEqualTo(new Rule.Window.Between(
                Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-02-01T00:00:00Z")));
        assertThat(and.rules().get(4)).isEqualTo(new Rule.Consent("rule.and[4]", "email", "marketing"));
        assertThat(and.rules().get(5)).isEqualTo(new Rule.Rfm("rule.and[5]", "default", "Champions"));
    }

    @Test
    void namesEveryProblemByItsPath() {
        assertThat(problems("""
                {"and": [{"attribute": "country", "op": "equals", "value": "NL"},
                         {"aggregate": {"table": "orders", "fn": "count", "window": {"lastDays": -1}}, "op": "gte",
                          "value": 1},
                         {"aggregate": {"table": "orders", "fn": "median", "column": "total"}, "op": "gte", "value": 1},
                         {"exists": {"table": "orders", "where": {"segment": "vip"}}},
                         {"attribute": "country", "segment": "vip"},
                         {"or": []},
                         {"aggregate": {"table": "orders", "fn": "sum"}, "op": "days_ago", "value": 1}]}"""))
                .containsExactly("rule.and[0].op", "rule.and[1].aggregate.window.lastDays",
                        "rule.and[2].aggregate.fn", "rule.and[3].exists.where.segment", "rule.and[4]",
                        "rule.and[5].or", "rule.and[6].aggregate.column", "rule.and[6].op");
        assertThat(problems("{\"attribute\": \"x\", \"op\": \"eq\", \"drop\": 1}")).containsExactly("rule.drop");
        assertThat(problems("[1]")).containsExactly("rule");
        assertThat(problems("{\"exists\": {\"table\": \"orders\", \"window\": {\"since\": \"yesterday\"}}}"))
                .containsExactly("rule.exists.window.since");
    }

    @Test
    void boundsDepth() {
        String deep = "{\"attribute\": \"x\", \"op\": \"is_null\"}";
        for (int i = 0; i < 20; i++) {
            deep = "{\"not\": " + deep + "}";
        }
        assertThat(problems(deep)).hasSize(1);
    }

    @Test
    void aCountOfZeroSatisfiesOnlyOperatorsThatAdmitIt() {
        assertThat(SegmentCompiler.satisfiedByZero(Rule.Op.LT, JSON.readTree("1"))).isTrue();
        assertThat(SegmentCompiler.satisfiedByZero(Rule.Op.EQ, JSON.readTree("0"))).isTrue();
        assertThat(SegmentCompiler.satisfiedByZero(Rule.Op.GTE, JSON.readTree("1"))).isFalse();
        assertThat(SegmentCompiler.satisfiedByZero(Rule.Op.BETWEEN, JSON.readTree("[0, 3]"))).isTrue();
        assertThat(SegmentCompiler.satisfiedByZero(Rule.Op.NOT_IN, JSON.readTree("[1, 2]"))).isTrue();
        assertThat(SegmentCompiler.satisfiedByZero(Rule.Op.IN, JSON.readTree("[1, 2]"))).isFalse();
    }
}
