package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ProblemAssert;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Date-relative and scheduled triggers end to end: REST in, the scheduler compares the (moved) clock with each
 * scenario's progress, the engine starts journeys in the contacts' lanes, message requests come out on Kafka.
 */
class DateAndScheduleTriggersTest extends EngineTestSupport {

    @Autowired
    TriggerScheduler scheduler;

    @Autowired
    DataSource dataSource;

    private final List<Long> started = new ArrayList<>();

    /** Scenarios with date triggers would otherwise keep running against later tests' clocks. */
    @AfterEach
    void archiveScenarios() {
        started.forEach(id -> post("/api/v1/scenarios/" + id + "/archive", null).expect(200));
        started.clear();
    }

    private long start(String json) {
        long id = activeScenario(json);
        started.add(id);
        return id;
    }

    /** Runs the scheduler once on this node (waits while another run holds the lock). */
    private void runScheduler() {
        await("a scheduler run", () -> scheduler.runOnce(), ran -> ran);
    }

    private long requests(String externalId) {
        marker(externalId);
        return messageRequests(externalId).size();
    }

    private void contact(String externalId, String json) {
        put("/api/v1/contacts/" + externalId, json).expect(201);
    }

    @Test
    void birthdayAtNineLocalTimeInThreeTimeZonesOncePerContact() {
        clock.set(Instant.parse("2026-03-09T12:00:00Z"));
        String tokyo = unique("tokyo");
        String brussels = unique("brussels");
        String la = unique("la");
        contact(tokyo, "{\"birthDate\": \"1990-03-10\", \"timeZone\": \"Asia/Tokyo\"}");
        contact(brussels, "{\"birthDate\": \"1985-03-10\", \"timeZone\": \"Europe/Brussels\"}");
        contact(la, "{\"birthDate\": \"2000-03-10\", \"timeZone\": \"America/Los_Angeles\"}");
        String template = template("email");
        long scenario = start("""
                {"name": "Birthday", "entry": {"rule": "once_per_trigger_row"},
                 "trigger": {"type": "date", "table": "contacts", "column": "birth_date", "recurrence": "yearly",
                             "at": "09:00", "where": [{"attribute": "external_id", "op": "in",
                                                       "value": ["%s", "%s", "%s"]}]},
                 "steps": [{"id": "wish", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(tokyo, brussels, la, template));
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            // 10 March 09:00 is 00:00Z in Tokyo (+9), 08:00Z in Brussels (+1), 16:00Z in Los Angeles (PDT, -7).
            clock.set(Instant.parse("2026-03-09T23:59:59Z"));
            runScheduler();
            assertThat(List.of(requests(tokyo), requests(brussels), requests(la))).containsExactly(0L, 0L, 0L);

            clock.set(Instant.parse("2026-03-10T00:00:01Z"));
            runScheduler();
            JsonNode tokyoMessage = consumeMessages(messages, contactId(tokyo), 1).get(0);
            assertThat(tokyoMessage.get("scenarioId").longValue()).isEqualTo(scenario);
            assertThat(List.of(requests(tokyo), requests(brussels), requests(la))).containsExactly(1L, 0L, 0L);

            clock.set(Instant.parse("2026-03-10T07:59:00Z"));
            runScheduler();
            assertThat(requests(brussels)).isZero();
            clock.set(Instant.parse("2026-03-10T08:00:01Z"));
            runScheduler();
            consumeMessages(messages, contactId(brussels), 1);
            assertThat(List.of(requests(tokyo), requests(brussels), requests(la))).containsExactly(1L, 1L, 0L);

            clock.set(Instant.parse("2026-03-10T15:59:00Z"));
            runScheduler();
            assertThat(requests(la)).isZero();
            clock.set(Instant.parse("2026-03-10T16:00:01Z"));
            runScheduler();
            consumeMessages(messages, contactId(la), 1);

            // A rescan of the whole day (progress set back) announces the same occurrences: nothing doubles.
            jdbc.update("update journey_schedules set watermark = ?::timestamptz, window_end = null,"
                    + " cursor_contact = null, cursor_row = null, cursor_date = null, revision = revision + 1"
                    + " where scenario_id = ?", "2026-03-09T12:00:00Z", scenario);
            runScheduler();
            assertThat(List.of(requests(tokyo), requests(brussels), requests(la))).containsExactly(1L, 1L, 1L);
        }
        JsonNode journey = journey(journeys(tokyo).get(0).get("id").longValue());
        assertThat(journey.get("triggerKey").stringValue())
                .isEqualTo("scenario:" + scenario + ":" + contactId(tokyo) + ":-:2026-03-10");
        assertThat(journey.at("/trigger/fireAt").stringValue()).isEqualTo("2026-03-10T00:00:00Z");
        assertThat(journey.at("/trigger/timeZone").stringValue()).isEqualTo("Asia/Tokyo");
    }

    @Test
    void noBackfillOnActivationNorForWhatFellDueWhilePausedAndOneNodeRunsAtATime() throws Exception {
        clock.set(Instant.parse("2026-03-10T12:00:00Z"));
        String early = unique("early"); // 10 March 09:00 in Tokyo has passed when the scenario is activated
        String paused = unique("paused"); // 11 March 09:00 in Tokyo falls while the scenario is paused
        String later = unique("later"); // 12 March 09:00 in Tokyo comes after the resume
        contact(early, "{\"birthDate\": \"1990-03-10\", \"timeZone\": \"Asia/Tokyo\"}");
        contact(paused, "{\"birthDate\": \"1990-03-11\", \"timeZone\": \"Asia/Tokyo\"}");
        contact(later, "{\"birthDate\": \"1990-03-12\", \"timeZone\": \"Asia/Tokyo\"}");
        String template = template("email");
        long scenario = start("""
                {"name": "Birthday", "entry": {"rule": "once_per_trigger_row"},
                 "trigger": {"type": "date", "table": "contacts", "column": "birth_date", "recurrence": "yearly",
                             "at": "09:00", "where": [{"attribute": "external_id", "op": "in",
                                                       "value": ["%s", "%s", "%s"]}]},
                 "steps": [{"id": "wish", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(early, paused, later, template));
        runScheduler();
        post("/api/v1/scenarios/" + scenario + "/pause", null).expect(200);
        clock.set(Instant.parse("2026-03-11T06:00:00Z"));
        runScheduler();
        post("/api/v1/scenarios/" + scenario + "/resume", null).expect(200);

        // Another node holds the scheduler's lock: this one skips its turn and announces nothing.
        clock.set(Instant.parse("2026-03-12T00:00:01Z"));
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement("select pg_try_advisory_xact_lock(?, ?)")) {
                lock.setInt(1, 0x10A7);
                lock.setInt(2, 1);
                try (ResultSet rs = lock.executeQuery()) {
                    assertThat(rs.next() && rs.getBoolean(1)).isTrue();
                }
            }
            assertThat(scheduler.runOnce()).isFalse();
            assertThat(requests(later)).isZero();
            other.rollback();
        }
        runScheduler();
        awaitMessages(later, 1);
        assertThat(List.of(requests(early), requests(paused), requests(later))).containsExactly(0L, 0L, 1L);
    }

    @Test
    void anniversaryOfTheFirstOrderOnly() {
        String orders = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "order_id", "attributes": [
                  {"name": "order_id", "type": "text"}, {"name": "ordered_at", "type": "timestamp"},
                  {"name": "total", "type": "decimal"}]}""".formatted(unique("orders")));
        String ann = unique("ann");
        contact(ann, "{\"timeZone\": \"Europe/Brussels\"}");
        post("/api/v1/tables/" + orders + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"order_id": "o-1", "ordered_at": "2025-05-01T10:00:00Z",
                 "total": 40}}""".formatted(ann)).expect(201);
        post("/api/v1/tables/" + orders + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"order_id": "o-2", "ordered_at": "2025-06-01T10:00:00Z",
                 "total": 60}}""".formatted(ann)).expect(201);
        clock.set(Instant.parse("2026-04-30T12:00:00Z"));
        String template = template("email");
        start("""
                {"name": "A year with us", "entry": {"rule": "once_per_trigger_row"},
                 "trigger": {"type": "date", "table": "%s", "column": "ordered_at", "offsetDays": 365,
                             "at": "10:00", "perContact": "first"},
                 "steps": [{"id": "thanks", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(orders, template));
        // 2025-05-01 + 365 days = 2026-05-01, 10:00 in Brussels (CEST) = 08:00Z.
        clock.set(Instant.parse("2026-05-01T07:59:00Z"));
        runScheduler();
        assertThat(requests(ann)).isZero();
        clock.set(Instant.parse("2026-05-01T08:00:01Z"));
        runScheduler();
        awaitMessages(ann, 1);
        // The second order's anniversary passes without a journey: only the first order counts.
        clock.set(Instant.parse("2026-06-02T12:00:00Z"));
        runScheduler();
        assertThat(requests(ann)).isEqualTo(1);
        JsonNode journey = journey(journeys(ann).get(0).get("id").longValue());
        assertThat(journey.at("/trigger/values/order_id").stringValue()).isEqualTo("o-1");
        assertThat(journey.at("/trigger/occurrenceDate").stringValue()).isEqualTo("2026-05-01");
    }

    @Test
    void loyaltyPointsSevenDaysBeforeTheyExpire() {
        String points = defineTable("""
                {"name": "%s", "kind": "linked", "businessKey": "points_id", "attributes": [
                  {"name": "points_id", "type": "text"}, {"name": "points", "type": "integer"},
                  {"name": "expires_on", "type": "date"}]}""".formatted(unique("loyalty_points")));
        String ben = unique("ben");
        contact(ben, "{\"firstName\": \"Ben\"}"); // no zone of his own: the scenario's applies
        for (String values : List.of(
                "{\"points_id\": \"p-1\", \"points\": 1200, \"expires_on\": \"2026-12-10\"}",
                "{\"points_id\": \"p-0\", \"points\": 0, \"expires_on\": \"2026-12-10\"}",
                "{\"points_id\": \"p-2\", \"points\": 300, \"expires_on\": \"2027-01-31\"}")) {
            post("/api/v1/tables/" + points + "/rows", "{\"contact\": {\"externalId\": \"" + ben + "\"}, \"values\": "
                    + values + "}").expect(201);
        }
        clock.set(Instant.parse("2026-12-02T12:00:00Z"));
        String template = template("email");
        start("""
                {"name": "Points expiring", "timeZone": "Europe/Brussels", "entry": {"rule": "once_per_trigger_row"},
                 "trigger": {"type": "date", "table": "%s", "column": "expires_on", "offsetDays": -7, "at": "10:00",
                             "where": [{"attribute": "points", "op": "ne", "value": 0}]},
                 "steps": [{"id": "remind", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(points, template));
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            // 2026-12-10 - 7 days = 3 December, 10:00 in Brussels (CET) = 09:00Z.
            clock.set(Instant.parse("2026-12-03T08:59:00Z"));
            runScheduler();
            assertThat(requests(ben)).isZero();
            clock.set(Instant.parse("2026-12-03T09:00:01Z"));
            runScheduler();
            consumeMessages(messages, contactId(ben), 1);
            clock.set(Instant.parse("2026-12-05T09:00:00Z"));
            runScheduler();
            assertThat(requests(ben)).isEqualTo(1);
        }
        JsonNode journey = journey(journeys(ben).get(0).get("id").longValue());
        assertThat(journey.at("/trigger/values/points").intValue()).isEqualTo(1200);
        assertThat(journey.at("/trigger/rowKey").stringValue()).isEqualTo("p-1");
    }

    private record Shop(String products, String wishlist, String carts, String cartLines) {}

    private Shop shop() {
        String products = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "stock_code", "attributes": [
                  {"name": "stock_code", "type": "text"}, {"name": "unit_price", "type": "decimal"},
                  {"name": "stock", "type": "integer"}]}""".formatted(unique("products")));
        String wishlist = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "wishlist_item_id", "attributes": [
                  {"name": "wishlist_item_id", "type": "text"},
                  {"name": "stock_code", "type": "text", "references": "%s"}]}""".formatted(unique("wishlist"),
                products));
        String carts = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "cart_id", "attributes": [
                  {"name": "cart_id", "type": "text"},
                  {"name": "status", "type": "enum", "enumValues": ["open", "ordered"]}]}
                """.formatted(unique("carts")));
        String cartLines = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "line_id", "attributes": [
                  {"name": "line_id", "type": "text"},
                  {"name": "cart_id", "type": "text", "references": "%s"},
                  {"name": "stock_code", "type": "text", "references": "%s"}]}""".formatted(unique("cart_lines"),
                carts, products));
        return new Shop(products, wishlist, carts, cartLines);
    }

    private void row(String table, String contact, String values) {
        String who = contact == null ? "" : "\"contact\": {\"externalId\": \"" + contact + "\"}, ";
        post("/api/v1/tables/" + table + "/rows", "{" + who + "\"values\": " + values + "}").expect(201);
    }

    private void product(Shop shop, String code, String values) {
        put("/api/v1/tables/" + shop.products() + "/rows/" + code, "{\"values\": " + values + "}").expect(200);
    }

    @Test
    void aPriceDropOnAWishlistedProductReachesExactlyTheContactsWishingForIt() {
        Shop shop = shop();
        String ann = unique("ann");
        String bob = unique("bob");
        String cy = unique("cy");
        row(shop.products(), null, "{\"stock_code\": \"P1\", \"unit_price\": 10.00, \"stock\": 3}");
        row(shop.products(), null, "{\"stock_code\": \"P2\", \"unit_price\": 5.00, \"stock\": 3}");
        row(shop.wishlist(), ann, "{\"wishlist_item_id\": \"w-ann\", \"stock_code\": \"P1\"}");
        row(shop.wishlist(), bob, "{\"wishlist_item_id\": \"w-bob\", \"stock_code\": \"P1\"}");
        row(shop.wishlist(), cy, "{\"wishlist_item_id\": \"w-cy\", \"stock_code\": \"P2\"}");
        String template = template("email");
        long scenario = start("""
                {"name": "Price drop",
                 "trigger": {"type": "row", "table": "%s", "on": ["reference-changed"],
                             "reference": {"attribute": "unit_price", "op": "decreased"}},
                 "steps": [{"id": "tell", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(shop.wishlist(), template));
        assertThat(count("select count(*) from reference_fanout_watches where table_name = ? and watcher = ?",
                shop.products(), "scenario:" + scenario)).as("watched while active").isEqualTo(1);

        product(shop, "P1", "{\"unit_price\": 12.00}"); // an increase: nobody
        put("/api/v1/tables/" + shop.products() + "/rows/P1", "{\"values\": {\"unit_price\": 12.00}}"); // unchanged
        product(shop, "P2", "{\"unit_price\": 4.00}"); // a drop of a product ann and bob do not wish for
        product(shop, "P1", "{\"unit_price\": 8.00}"); // the drop
        JsonNode annMessages = awaitMessages(ann, 1);
        awaitMessages(bob, 1);
        assertThat(annMessages.get(0).get("scenarioId").longValue()).isEqualTo(scenario);
        // Each lane applied the increase before the drop (same partition, in order): one message each, none else.
        assertThat(List.of(requests(ann), requests(bob))).containsExactly(1L, 1L);
        JsonNode journey = journey(journeys(ann).get(0).get("id").longValue());
        assertThat(journey.at("/trigger/reference/previous/unit_price").decimalValue()).isEqualByComparingTo("12");
        assertThat(journey.at("/trigger/reference/values/unit_price").decimalValue()).isEqualByComparingTo("8");
        // cy's product dropped too, but her trigger row is P2's: that is the one drop that reached her.
        JsonNode cyMessages = awaitMessages(cy, 1);
        assertThat(requests(cy)).isEqualTo(1);
        assertThat(journey(journeys(cy).get(0).get("id").longValue()).at("/trigger/reference/key").asString())
                .isEqualTo("P2");
        assertThat(cyMessages).hasSize(1);

        post("/api/v1/scenarios/" + scenario + "/archive", null).expect(200);
        started.remove(Long.valueOf(scenario));
        assertThat(count("select count(*) from reference_fanout_watches where watcher = ?", "scenario:" + scenario))
                .as("unwatched when archived").isZero();
    }

    @Test
    void backInStockReachesOpenCartsOnly() {
        Shop shop = shop();
        String dee = unique("dee");
        String eve = unique("eve");
        String fay = unique("fay");
        row(shop.products(), null, "{\"stock_code\": \"P3\", \"unit_price\": 20.00, \"stock\": 0}");
        row(shop.carts(), dee, "{\"cart_id\": \"c-dee\", \"status\": \"open\"}");
        row(shop.cartLines(), dee, "{\"line_id\": \"l-dee\", \"cart_id\": \"c-dee\", \"stock_code\": \"P3\"}");
        row(shop.carts(), eve, "{\"cart_id\": \"c-eve\", \"status\": \"ordered\"}");
        row(shop.cartLines(), eve, "{\"line_id\": \"l-eve\", \"cart_id\": \"c-eve\", \"stock_code\": \"P3\"}");
        row(shop.wishlist(), fay, "{\"wishlist_item_id\": \"w-fay\", \"stock_code\": \"P3\"}");
        String template = template("email");
        start("""
                {"name": "Back in stock", "entry": {"rule": "once_per_trigger_row"},
                 "trigger": {"type": "row", "table": "%s", "on": ["reference-changed"],
                             "where": {"attribute": "cart_id.status", "op": "eq", "value": "open"},
                             "reference": {"and": [{"previous": {"attribute": "stock", "op": "lte", "value": 0}},
                                                   {"attribute": "stock", "op": "gt", "value": 0}]}},
                 "steps": [{"id": "tell", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(shop.cartLines(), template));
        product(shop, "P3", "{\"unit_price\": 19.00}"); // still out of stock
        product(shop, "P3", "{\"stock\": 5}");
        awaitMessages(dee, 1);
        product(shop, "P3", "{\"stock\": 7}"); // more stock is not "back in stock"
        assertThat(List.of(requests(dee), requests(eve), requests(fay))).containsExactly(1L, 0L, 0L);
    }

    @Test
    void aRecurringBroadcastReachesEveryMemberOncePerOccurrence() {
        String prefix = unique("bc");
        List<String> members = List.of(prefix + "-a", prefix + "-b", prefix + "-c");
        members.forEach(m -> contact(m, "{\"firstName\": \"M\"}"));
        String outsider = unique("outsider");
        contact(outsider, "{\"firstName\": \"O\"}");
        String segment = unique("weekly");
        post("/api/v1/segments", """
                {"name": "%s", "rule": {"attribute": "external_id", "op": "starts_with", "value": "%s-"}}"""
                .formatted(segment, prefix)).expect(201);
        String template = template("email");
        clock.set(Instant.parse("2026-11-29T12:00:00Z")); // a Sunday
        long before = get("/api/v1/scenarios").json().get("items").size();
        ProblemAssert.assertProblem(post("/api/v1/broadcasts", """
                {"name": "Bad", "segment": "%s", "cron": "0 0 9 * * MON",
                 "send": {"channels": [{"channel": "email", "template": "%s"}]}}""".formatted(unique("nope"),
                template)), 422, "invalid-input", "segment");
        ProblemAssert.assertProblem(post("/api/v1/broadcasts", """
                {"name": "Bad", "segment": "%s", "cron": "0 0 9 * * MON", "at": "2026-12-01T09:00",
                 "send": {"channels": [{"channel": "email", "template": "%s"}]}}""".formatted(segment, template)), 422, "invalid-input", "at");
        ProblemAssert.assertProblem(post("/api/v1/broadcasts", """
                {"name": "Bad", "segment": "%s", "at": "2026-11-01T09:00",
                 "send": {"channels": [{"channel": "email", "template": "%s"}]}}""".formatted(segment, template)), 422, "invalid-input", "at");
        assertThat(get("/api/v1/scenarios").json().get("items").size()).as("refused broadcasts create nothing")
                .isEqualTo(before);

        JsonNode created = post("/api/v1/broadcasts", """
                {"name": "Weekly news", "segment": "%s", "cron": "0 0 9 * * MON", "timeZone": "Europe/Brussels",
                 "send": {"channels": [{"channel": "email", "template": "%s"}]}}""".formatted(segment, template))
                .expect(201).json();
        long scenario = created.get("scenarioId").longValue();
        started.add(scenario);
        assertThat(created.get("status").stringValue()).isEqualTo("active");
        // Monday 30 November, 09:00 in Brussels = 08:00Z.
        assertThat(created.get("nextOccurrence").stringValue()).isEqualTo("2026-11-30T08:00:00Z");

        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            clock.set(Instant.parse("2026-11-30T07:59:00Z"));
            runScheduler();
            assertThat(members.stream().map(this::requests).toList()).containsExactly(0L, 0L, 0L);
            clock.set(Instant.parse("2026-11-30T08:00:01Z"));
            runScheduler();
            for (String m : members) {
                JsonNode request = consumeMessages(messages, contactId(m), 1).get(0);
                assertThat(request.get("scenarioId").longValue()).isEqualTo(scenario);
            }
            runScheduler(); // the same occurrence again: nothing new
            // A crash after the first member's page: the occurrence resumes after that member, and a replay of
            // the whole occurrence carries the same event ids. Neither doubles.
            jdbc.update("update journey_schedules set watermark = ?::timestamptz, occurrence = ?::timestamptz,"
                    + " cursor_contact = ?, revision = revision + 1 where scenario_id = ?", "2026-11-29T12:00:00Z",
                    "2026-11-30T08:00:00Z", contactId(members.get(0)), scenario);
            runScheduler();
            jdbc.update("update journey_schedules set watermark = ?::timestamptz, occurrence = null,"
                    + " cursor_contact = null, revision = revision + 1 where scenario_id = ?",
                    "2026-11-29T12:00:00Z", scenario);
            runScheduler();
            assertThat(members.stream().map(this::requests).toList()).containsExactly(1L, 1L, 1L);
            assertThat(requests(outsider)).isZero();

            clock.set(Instant.parse("2026-12-07T08:00:01Z"));
            runScheduler();
            for (String m : members) {
                consumeMessages(messages, contactId(m), 1);
            }
            assertThat(members.stream().map(this::requests).toList()).containsExactly(2L, 2L, 2L);
        }
        JsonNode listed = null;
        for (JsonNode b : get("/api/v1/broadcasts").expect(200).json().get("items")) {
            if (b.get("scenarioId").longValue() == scenario) {
                listed = b;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.get("segment").stringValue()).isEqualTo(segment);
        assertThat(listed.get("nextOccurrence").stringValue()).isEqualTo("2026-12-14T08:00:00Z");
        JsonNode journey = journey(journeys(members.get(1)).get(0).get("id").longValue());
        assertThat(journey.at("/trigger/segment").stringValue()).isEqualTo(segment);
    }

    @Test
    void broadcastsArePagedNewestFirst() {
        String segment = unique("paged");
        post("/api/v1/segments", """
                {"name": "%s", "rule": {"attribute": "external_id", "op": "starts_with", "value": "%s-"}}"""
                .formatted(segment, segment)).expect(201);
        String template = template("email");
        clock.set(Instant.parse("2026-11-29T12:00:00Z"));
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long id = post("/api/v1/broadcasts", """
                    {"name": "Paged %d", "segment": "%s", "at": "2027-06-0%dT09:00",
                     "send": {"channels": [{"channel": "email", "template": "%s"}]}}""".formatted(i, segment, i + 1,
                    template)).expect(201).json().get("scenarioId").longValue();
            started.add(id);
            ids.add(id);
        }
        // The three are the newest broadcasts: the first page of two holds the last two, the next page the first.
        JsonNode first = get("/api/v1/broadcasts?limit=2").expect(200).json();
        assertThat(first.get("items").valueStream().map(b -> b.get("scenarioId").longValue()).toList())
                .containsExactly(ids.get(2), ids.get(1));
        long next = first.get("next").longValue();
        assertThat(next).isEqualTo(ids.get(1));
        JsonNode second = get("/api/v1/broadcasts?limit=2&before=" + next).expect(200).json();
        assertThat(second.get("items").get(0).get("scenarioId").longValue()).isEqualTo(ids.get(0));
        assertThat(second.get("items").get(0).get("at").stringValue()).isEqualTo("2027-06-01T09:00");

        ProblemAssert.assertProblem(get("/api/v1/broadcasts?limit=0"), 422, "invalid-input", "limit");
        ProblemAssert.assertProblem(get("/api/v1/broadcasts?limit=501"), 422, "invalid-input", "limit");
        ProblemAssert.assertProblem(get("/api/v1/broadcasts?before=0"), 422, "invalid-input", "before");
    }

    @Test
    void invalidDateAndReferenceTriggersAreRefusedWithTheirPaths() {
        String template = template("email");
        long id = post("/api/v1/scenarios", """
                {"name": "Broken", "entry": {"rule": "once_per_trigger_row"},
                 "trigger": {"type": "date", "table": "contacts", "column": "no_such_column", "at": "25:00",
                             "recurrence": "monthly"},
                 "steps": [{"id": "s", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(template)).expect(201).json().get("id").longValue();
        ProblemAssert.assertProblem(post("/api/v1/scenarios/" + id + "/validate", null), 422, "invalid-input",
                "trigger.at", "trigger.recurrence");
        String orders = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "order_id", "attributes": [
                  {"name": "order_id", "type": "text"}, {"name": "status", "type": "text"}]}"""
                .formatted(unique("orders")));
        long dated = post("/api/v1/scenarios", """
                {"name": "Not a date", "trigger": {"type": "date", "table": "%s", "column": "status", "at": "09:00"},
                 "steps": [{"id": "s", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(orders, template)).expect(201).json().get("id").longValue();
        ProblemAssert.assertProblem(post("/api/v1/scenarios/" + dated + "/activate", null), 422, "invalid-input",
                "trigger.column");
        long reference = post("/api/v1/scenarios", """
                {"name": "Ref", "trigger": {"type": "row", "table": "%s", "on": ["updated"],
                                            "reference": {"attribute": "price", "op": "decreased"},
                                            "where": {"attribute": "status", "op": "became", "value": "done"}},
                 "steps": [{"id": "s", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(orders, template)).expect(201).json().get("id").longValue();
        ProblemAssert.assertProblem(post("/api/v1/scenarios/" + reference + "/validate", null), 422, "invalid-input",
                "trigger.reference");
        assertThat(get("/api/v1/scenarios/" + dated).json().get("status").stringValue()).isEqualTo("draft");
    }

    @Test
    void aRowUpdateCanStartAJourneyWhenAnAttributeBecomesAValue() {
        String carts = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "cart_id", "attributes": [
                  {"name": "cart_id", "type": "text"}, {"name": "status", "type": "text"},
                  {"name": "total", "type": "decimal"}]}""".formatted(unique("carts")));
        String template = template("email");
        start("""
                {"name": "Abandoned", "entry": {"rule": "once_per_trigger_row"},
                 "trigger": {"type": "row", "table": "%s", "on": ["created", "updated"],
                             "where": {"attribute": "status", "op": "became", "value": "abandoned"}},
                 "steps": [{"id": "s", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(carts, template));
        String gus = unique("gus");
        row(carts, gus, "{\"cart_id\": \"c1\", \"status\": \"open\", \"total\": 10}");
        String cart = "/api/v1/tables/" + carts + "/rows/c1";
        String of = "{\"contact\": {\"externalId\": \"" + gus + "\"}, \"values\": ";
        put(cart, of + "{\"total\": 12}}").expect(200);
        assertThat(requests(gus)).isZero();
        put(cart, of + "{\"status\": \"abandoned\"}}").expect(200);
        awaitMessages(gus, 1);
        put(cart, of + "{\"total\": 15}}").expect(200);
        assertThat(requests(gus)).as("still abandoned, but it did not become so again").isEqualTo(1);
        assertThat(Map.of("journeys", journeys(gus).size())).containsEntry("journeys", 1);
    }
}
