package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.journey.source.DateTriggerSpec;
import io.activation.platform.FieldError;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** Change operators, reference filters, and the parsing and matching of date and schedule triggers. */
class ChangeAndScheduleTriggerTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Trigger trigger(String json) {
        List<FieldError> errors = new ArrayList<>();
        Trigger t = Trigger.parse(JSON.readTree(json), "trigger", errors);
        assertThat(errors).isEmpty();
        return t;
    }

    private static List<String> problems(String json) {
        List<FieldError> errors = new ArrayList<>();
        Trigger.parse(JSON.readTree(json), "trigger", errors);
        return errors.stream().map(FieldError::field).toList();
    }

    private static boolean matches(Trigger t, String type, String data) {
        return t.match(new EngineEvent(UUID.randomUUID(), type, 7, JSON.readTree(data)), 1).isPresent();
    }

    @Test
    void becameComparesWithTheValueBeforeTheWrite() {
        Trigger t = trigger("""
                {"type": "row", "table": "carts", "where": {"attribute": "status", "op": "became",
                 "value": "abandoned"}}""");
        String updated = """
                {"table": "carts", "key": "c", "values": {"status": "abandoned", "total": %s},
                 "previous": %s, "changed": %s}""";
        assertThat(matches(t, EngineEvent.ROW_UPDATED, updated.formatted("10", "{\"status\": \"open\"}",
                "[\"status\"]"))).isTrue();
        assertThat(matches(t, EngineEvent.ROW_UPDATED, updated.formatted("12", "{\"total\": 10}", "[\"total\"]")))
                .as("already abandoned").isFalse();
        assertThat(matches(t, EngineEvent.ROW_CREATED, """
                {"table": "carts", "key": "c", "values": {"status": "abandoned"}, "previous": {},
                 "changed": ["status"]}""")).as("created abandoned").isTrue();
    }

    @Test
    void referenceFilterSeesDropsNotRisesNorUnchangedNorCreations() {
        Trigger t = trigger("""
                {"type": "row", "table": "wishlist", "on": ["reference-changed"],
                 "reference": {"attribute": "price", "op": "decreased"}}""");
        String data = """
                {"table": "wishlist", "key": "w", "values": {"product": "p"},
                 "reference": {"table": "products", "key": "p", "values": {"price": %s}, "previous": %s,
                               "changed": %s}}""";
        assertThat(matches(t, EngineEvent.REFERENCE_CHANGED, data.formatted("8", "{\"price\": 10}",
                "[\"price\"]"))).isTrue();
        assertThat(matches(t, EngineEvent.REFERENCE_CHANGED, data.formatted("12", "{\"price\": 10}",
                "[\"price\"]"))).isFalse();
        assertThat(matches(t, EngineEvent.REFERENCE_CHANGED, data.formatted("8", "{}", "[]"))).isFalse();
        assertThat(matches(t, EngineEvent.REFERENCE_CHANGED, data.formatted("8", "{}", "[\"price\"]")))
                .as("a created product has no price before").isFalse();
    }

    @Test
    void backInStockForOpenCartsFollowsTheLinkingRowsRelation() {
        Trigger t = trigger("""
                {"type": "row", "table": "lines", "on": ["reference-changed"],
                 "where": {"attribute": "cart_id.status", "op": "eq", "value": "open"},
                 "reference": {"and": [{"previous": {"attribute": "stock", "op": "lte", "value": 0}},
                                       {"attribute": "stock", "op": "gt", "value": 0}]}}""");
        String data = """
                {"table": "lines", "key": "l", "values": {"cart_id": "c"},
                 "related": {"cart_id": {"table": "carts", "key": "c", "values": {"status": "%s"}}},
                 "reference": {"table": "products", "key": "p", "values": {"stock": %d},
                               "previous": {"stock": %d}, "changed": ["stock"]}}""";
        assertThat(matches(t, EngineEvent.REFERENCE_CHANGED, data.formatted("open", 5, 0))).isTrue();
        assertThat(matches(t, EngineEvent.REFERENCE_CHANGED, data.formatted("ordered", 5, 0))).isFalse();
        assertThat(matches(t, EngineEvent.REFERENCE_CHANGED, data.formatted("open", 7, 5))).isFalse();
    }

    @Test
    void changeOperatorsAndReferenceFiltersAreRefusedWhereTheyMeanNothing() {
        assertThat(problems("""
                {"type": "event", "eventType": "x", "where": {"attribute": "a", "op": "increased"}}"""))
                .containsExactly("trigger.where.op");
        assertThat(problems("""
                {"type": "row", "table": "t", "on": ["updated"], "reference": {"attribute": "a", "op": "changed"}}"""))
                .containsExactly("trigger.reference");
        assertThat(problems("""
                {"type": "row", "table": "t", "where": {"attribute": "a", "op": "became"}}"""))
                .containsExactly("trigger.where.value");
    }

    @Test
    void dateTriggerParsesIntoTheFindersSpecAndMatchesItsOwnScenariosOccurrences() {
        Trigger t = trigger("""
                {"type": "date", "table": "orders", "column": "ordered_at", "offsetDays": 365, "at": "10:00",
                 "perContact": "first", "where": [{"attribute": "status", "op": "in", "value": ["paid", "sent"]}]}""");
        DateTriggerSpec spec = t.date().spec(42, t.table(), ZoneId.of("Europe/Brussels"));
        assertThat(spec.id()).isEqualTo("scenario:42");
        assertThat(spec.recurrence()).isEqualTo(DateTriggerSpec.Recurrence.ONCE);
        assertThat(spec.perContact()).isEqualTo(DateTriggerSpec.PerContact.FIRST);
        assertThat(spec.localTime()).isEqualTo(LocalTime.of(10, 0));
        assertThat(spec.where()).containsExactly(new DateTriggerSpec.Condition("status", DateTriggerSpec.Op.IN,
                List.of("paid", "sent")));
        String data = "{\"scenarioId\": %d, \"contactId\": 7, \"key\": \"scenario:42:7:3:2026-05-01\"}";
        var match = t.match(new EngineEvent(UUID.randomUUID(), EngineEvent.DATE_REACHED, 7,
                JSON.readTree(data.formatted(42))), 42);
        assertThat(match).hasValueSatisfying(m -> assertThat(m.triggerKey()).isEqualTo("scenario:42:7:3:2026-05-01"));
        assertThat(t.match(new EngineEvent(UUID.randomUUID(), EngineEvent.DATE_REACHED, 7,
                JSON.readTree(data.formatted(43))), 42)).as("another scenario's occurrence").isEmpty();
        assertThat(problems("""
                {"type": "date", "table": "t", "column": "d", "at": "9am", "recurrence": "weekly", "perContact": "x",
                 "where": [{"attribute": "a", "op": "gt", "value": 1}]}"""))
                .containsExactlyInAnyOrder("trigger.at", "trigger.recurrence", "trigger.perContact",
                        "trigger.where[0].op");
    }

    @Test
    void scheduleOccurrencesFollowTheLocalClockAcrossDaylightSaving() {
        Trigger weekly = trigger("""
                {"type": "schedule", "segment": "vip", "cron": "0 0 9 * * MON", "timeZone": "Europe/Brussels"}""");
        // Monday 23 March 2026 is still winter time (+1), Monday 30 March summer time (+2).
        assertThat(weekly.schedule().firstAtOrAfter(Instant.parse("2026-03-20T00:00:00Z")))
                .isEqualTo(Instant.parse("2026-03-23T08:00:00Z"));
        assertThat(weekly.schedule().firstAtOrAfter(Instant.parse("2026-03-23T08:00:00Z")))
                .as("at the occurrence itself").isEqualTo(Instant.parse("2026-03-23T08:00:00Z"));
        assertThat(weekly.schedule().firstAtOrAfter(Instant.parse("2026-03-23T08:00:00.000001Z")))
                .isEqualTo(Instant.parse("2026-03-30T07:00:00Z"));
        Trigger once = trigger("""
                {"type": "schedule", "segment": "vip", "at": "2026-12-01T09:00", "timeZone": "Europe/Brussels"}""");
        assertThat(once.schedule().firstAtOrAfter(Instant.parse("2026-11-01T00:00:00Z")))
                .isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));
        assertThat(once.schedule().firstAtOrAfter(Instant.parse("2026-12-01T08:00:01Z"))).isNull();
        assertThat(problems("{\"type\": \"schedule\", \"segment\": \"vip\"}")).containsExactly("trigger.at");
        assertThat(problems("{\"type\": \"schedule\", \"segment\": \"vip\", \"cron\": \"every monday\"}"))
                .containsExactly("trigger.cron");
        assertThat(problems("{\"type\": \"schedule\", \"at\": \"2026-12-01\", \"timeZone\": \"Mars/Base\"}"))
                .containsExactlyInAnyOrder("trigger.segment", "trigger.timeZone", "trigger.at");
    }
}
