package io.activation.journey.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.journey.source.DateTriggerSpec.Condition;
import io.activation.journey.source.DateTriggerSpec.Op;
import io.activation.journey.source.DateTriggerSpec.PerContact;
import io.activation.platform.InvalidInputException;
import io.activation.testing.ApiTest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Date-relative triggers against real PostgreSQL: the contacts table is shared with other tests, so every spec
 * restricts itself to this test's contacts with a {@code where external_id in (...)} condition.
 */
class DateTriggersTest extends ApiTest {

    private static final ZoneId UTC = ZoneId.of("UTC");

    @Autowired
    DateTriggers triggers;

    private String contact(String birthDate, String timeZone) {
        String id = unique("dt");
        String tz = timeZone == null ? "" : ", \"timeZone\": \"" + timeZone + "\"";
        put("/api/v1/contacts/" + id, "{\"birthDate\": \"" + birthDate + "\"" + tz + "}").expect(201);
        return id;
    }

    private long contactId(String externalId) {
        return get("/api/v1/contacts/" + externalId).expect(200).json().get("id").longValue();
    }

    private static DateTriggerSpec birthday(String specId, LocalTime at, ZoneId defaultZone, int offset,
            List<String> contacts) {
        return DateTriggerSpec.yearly(specId, "contacts", "birth_date", offset, at, defaultZone)
                .withWhere(List.of(new Condition("external_id", Op.IN, contacts)));
    }

    private List<DueOccurrence> all(DateTriggerSpec spec, Instant from, Instant to) {
        List<DueOccurrence> out = new ArrayList<>();
        DuePage.Cursor cursor = null;
        do {
            DuePage page = triggers.due(spec, from, to, 2, cursor);
            out.addAll(page.items());
            cursor = page.next();
        } while (cursor != null);
        return out;
    }

    private static Map<Long, DueOccurrence> byContact(List<DueOccurrence> due) {
        Map<Long, DueOccurrence> map = new HashMap<>();
        due.forEach(d -> assertThat(map.put(d.contactId(), d)).as("one occurrence per contact").isNull());
        return map;
    }

    @Test
    void birthdayAtNineLocalFiresAtEachContactsOwnNineOClock() {
        String amsterdam = contact("1990-07-14", "Europe/Amsterdam");
        String kiritimati = contact("1984-07-14", "Pacific/Kiritimati");
        String pagoPago = contact("2001-07-14", "Pacific/Pago_Pago");
        String noZone = contact("1975-07-14", null);
        String otherDay = contact("1990-07-15", "Europe/Amsterdam");
        List<String> ids = List.of(amsterdam, kiritimati, pagoPago, noZone, otherDay);
        DateTriggerSpec spec = birthday("birthday-9", LocalTime.of(9, 0), ZoneId.of("Asia/Tokyo"), 0, ids);

        clock.set(Instant.parse("2027-07-15T00:00:00Z"));
        Map<Long, DueOccurrence> day = byContact(triggers.dueUntilNow(spec, Instant.parse("2027-07-14T00:00:00Z"),
                100, null).items());

        assertThat(day.keySet()).containsExactlyInAnyOrder(contactId(amsterdam), contactId(pagoPago),
                contactId(noZone));
        assertThat(day.get(contactId(amsterdam)).fireAt()).isEqualTo("2027-07-14T07:00:00Z");
        assertThat(day.get(contactId(pagoPago)).fireAt()).isEqualTo("2027-07-14T20:00:00Z");
        // No zone: the default zone (Tokyo, UTC+9); 09:00 there is exactly the window's inclusive start.
        assertThat(day.get(contactId(noZone)).fireAt()).isEqualTo("2027-07-14T00:00:00Z");
        assertThat(day.get(contactId(noZone)).zone()).isEqualTo("Asia/Tokyo");
        DueOccurrence a = day.get(contactId(amsterdam));
        assertThat(a.occurrenceDate()).isEqualTo(LocalDate.of(2027, 7, 14));
        assertThat(a.rowId()).isNull();
        assertThat(a.key()).isEqualTo("birthday-9:" + contactId(amsterdam) + ":-:2027-07-14");

        // Kiritimati (UTC+14) reached 09:00 on 14 July while it was still 13 July in UTC: the previous window.
        Map<Long, DueOccurrence> before = byContact(all(spec, Instant.parse("2027-07-13T00:00:00Z"),
                Instant.parse("2027-07-14T00:00:00Z")));
        assertThat(before.keySet()).containsExactly(contactId(kiritimati));
        assertThat(before.get(contactId(kiritimati)).fireAt()).isEqualTo("2027-07-13T19:00:00Z");
        assertThat(before.get(contactId(kiritimati)).occurrenceDate()).isEqualTo(LocalDate.of(2027, 7, 14));

        // Adjacent windows of any size see every occurrence exactly once, with the same key every time.
        Map<String, Integer> seen = new HashMap<>();
        for (Instant t = Instant.parse("2027-07-12T00:00:00Z"); t.isBefore(Instant.parse("2027-07-17T00:00:00Z"));
                t = t.plus(Duration.ofMinutes(170))) {
            all(spec, t, t.plus(Duration.ofMinutes(170))).forEach(d -> seen.merge(d.key(), 1, Integer::sum));
        }
        assertThat(seen).hasSize(5).allSatisfy((key, count) -> assertThat(count).as(key).isEqualTo(1));
        assertThat(seen).containsKey("birthday-9:" + contactId(otherDay) + ":-:2027-07-15");
    }

    @Test
    void sevenDaysBeforeACouponExpires() {
        String coupons = defineTable("""
                {"name": "%s", "kind": "LINKED", "businessKey": "code", "attributes": [
                  {"name": "code", "type": "TEXT"}, {"name": "expires_on", "type": "DATE"},
                  {"name": "discount_percent", "type": "INTEGER"}]}
                """.formatted(unique("coupons")));
        String customer = contact("1980-01-01", "America/New_York");
        String other = contact("1980-01-01", "America/New_York");
        post("/api/v1/tables/" + coupons + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"code": "C-1", "expires_on": "2027-06-20",
                 "discount_percent": 10}}""".formatted(customer)).expect(201);
        post("/api/v1/tables/" + coupons + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"code": "C-2", "expires_on": "2027-06-25",
                 "discount_percent": 10}}""".formatted(customer)).expect(201);
        post("/api/v1/tables/" + coupons + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"code": "C-3", "expires_on": "2027-06-20",
                 "discount_percent": 0}}""".formatted(other)).expect(201);
        DateTriggerSpec spec = DateTriggerSpec.once("coupon-7", coupons, "expires_on", -7, LocalTime.of(9, 0), UTC)
                .withWhere(List.of(new Condition("discount_percent", Op.NE, List.of("0"))));

        List<DueOccurrence> due = all(spec, Instant.parse("2027-06-13T00:00:00Z"),
                Instant.parse("2027-06-14T00:00:00Z"));

        assertThat(due).hasSize(1);
        DueOccurrence d = due.get(0);
        assertThat(d.contactId()).isEqualTo(contactId(customer));
        assertThat(d.rowKey()).isEqualTo("C-1");
        assertThat(d.rowId()).isNotNull();
        assertThat(d.occurrenceDate()).isEqualTo(LocalDate.of(2027, 6, 13));
        assertThat(d.fireAt()).as("09:00 EDT").isEqualTo("2027-06-13T13:00:00Z");
        assertThat(d.key()).isEqualTo("coupon-7:" + contactId(customer) + ":" + d.rowId() + ":2027-06-13");
        assertThat(all(spec, Instant.parse("2027-06-13T00:00:00Z"), Instant.parse("2027-06-14T00:00:00Z")).get(0)
                .uuid()).as("deterministic").isEqualTo(d.uuid());
        assertThat(all(spec, Instant.parse("2027-06-18T00:00:00Z"), Instant.parse("2027-06-19T00:00:00Z")))
                .extracting(DueOccurrence::rowKey).containsExactly("C-2");
    }

    @Test
    void threeHundredSixtyFiveDaysAfterTheFirstOrder() {
        String orders = defineTable("""
                {"name": "%s", "kind": "INTERACTION", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "ordered_at", "type": "TIMESTAMP"},
                  {"name": "cancelled", "type": "BOOLEAN"}]}
                """.formatted(unique("orders")));
        String customer = contact("1980-01-01", "Europe/Amsterdam");
        String row = "/api/v1/tables/" + orders + "/rows";
        post(row, """
                {"contact": {"externalId": "%s"}, "values": {"order_no": "O-0", "ordered_at": "2026-01-10T12:00:00Z",
                 "cancelled": true}}""".formatted(customer)).expect(201);
        // 23:30 UTC on 1 March is 00:30 on 2 March in Amsterdam: the local date counts.
        post(row, """
                {"contact": {"externalId": "%s"}, "values": {"order_no": "O-1", "ordered_at": "2026-03-01T23:30:00Z"}}
                """.formatted(customer)).expect(201);
        post(row, """
                {"contact": {"externalId": "%s"}, "values": {"order_no": "O-2", "ordered_at": "2026-05-01T10:00:00Z",
                 "cancelled": false}}""".formatted(customer)).expect(201);
        DateTriggerSpec spec = DateTriggerSpec.once("first-order-365", orders, "ordered_at", 365, LocalTime.of(10, 0),
                UTC).withPerContact(PerContact.FIRST)
                .withWhere(List.of(new Condition("cancelled", Op.NE, List.of("true"))));

        List<DueOccurrence> due = all(spec, Instant.parse("2027-03-01T00:00:00Z"),
                Instant.parse("2027-03-04T00:00:00Z"));

        assertThat(due).hasSize(1);
        assertThat(due.get(0).rowKey()).isEqualTo("O-1");
        assertThat(due.get(0).occurrenceDate()).isEqualTo(LocalDate.of(2027, 3, 2));
        assertThat(due.get(0).fireAt()).as("10:00 CET").isEqualTo("2027-03-02T09:00:00Z");
        // The cancelled order is not a first order; the second order is not first either.
        assertThat(all(spec, Instant.parse("2027-01-01T00:00:00Z"), Instant.parse("2027-02-28T00:00:00Z"))).isEmpty();
        assertThat(all(spec, Instant.parse("2027-04-25T00:00:00Z"), Instant.parse("2027-05-05T00:00:00Z"))).isEmpty();
        // Every order (no first-only): the second one fires too.
        assertThat(all(spec.withPerContact(PerContact.EVERY_ROW), Instant.parse("2027-04-25T00:00:00Z"),
                Instant.parse("2027-05-05T00:00:00Z"))).extracting(DueOccurrence::rowKey).containsExactly("O-2");
    }

    @Test
    void aTwentyNinthOfFebruaryBirthdayIsOnTheTwentyEighthInCommonYears() {
        String leapling = contact("2000-02-29", "UTC");
        String feb28 = contact("2000-02-28", "UTC");
        String mar1 = contact("2000-03-01", "UTC");
        List<String> ids = List.of(leapling, feb28, mar1);
        DateTriggerSpec spec = birthday("feb29", LocalTime.of(9, 0), UTC, 0, ids);

        Map<Long, DueOccurrence> common = byContact(all(spec, Instant.parse("2027-02-28T00:00:00Z"),
                Instant.parse("2027-03-01T00:00:00Z")));
        assertThat(common.keySet()).containsExactlyInAnyOrder(contactId(leapling), contactId(feb28));
        assertThat(common.get(contactId(leapling)).occurrenceDate()).isEqualTo(LocalDate.of(2027, 2, 28));

        Map<Long, DueOccurrence> leap = byContact(all(spec, Instant.parse("2028-02-29T00:00:00Z"),
                Instant.parse("2028-03-01T00:00:00Z")));
        assertThat(leap.keySet()).containsExactly(contactId(leapling));
        assertThat(all(spec, Instant.parse("2028-02-28T00:00:00Z"), Instant.parse("2028-02-29T00:00:00Z")))
                .extracting(DueOccurrence::contactId).containsExactly(contactId(feb28));

        // Seven days before: counted from the 28th in a common year.
        DateTriggerSpec weekBefore = birthday("feb29-7", LocalTime.of(9, 0), UTC, -7, ids);
        assertThat(all(weekBefore, Instant.parse("2027-02-21T00:00:00Z"), Instant.parse("2027-02-22T00:00:00Z")))
                .extracting(DueOccurrence::contactId).containsExactlyInAnyOrder(contactId(leapling), contactId(feb28));
        // No anniversary in the date's own year: a contact born on 29 February 2000 does not fire on that day.
        assertThat(all(spec, Instant.parse("2000-02-29T00:00:00Z"), Instant.parse("2000-03-01T00:00:00Z")))
                .isEmpty();
    }

    @Test
    void onDstDaysNineOClockIsUnaffectedAMissingTimeMovesAnHourLaterAndARepeatedOneFiresOnce() {
        // 28 March 2027: clocks in Amsterdam go from 02:00 CET to 03:00 CEST; 31 October 2027 back from 03:00 CEST.
        String spring = contact("1985-03-28", "Europe/Amsterdam");
        String autumn = contact("1985-10-31", "Europe/Amsterdam");
        List<String> ids = List.of(spring, autumn);

        assertThat(all(birthday("dst-9", LocalTime.of(9, 0), UTC, 0, ids), Instant.parse("2027-03-28T00:00:00Z"),
                Instant.parse("2027-03-29T00:00:00Z"))).extracting(DueOccurrence::fireAt)
                .containsExactly(Instant.parse("2027-03-28T07:00:00Z"));
        // 02:30 does not exist that day: read with the offset before the change, it is 03:30 CEST.
        assertThat(all(birthday("dst-0230", LocalTime.of(2, 30), UTC, 0, ids), Instant.parse("2027-03-27T12:00:00Z"),
                Instant.parse("2027-03-28T12:00:00Z"))).extracting(DueOccurrence::fireAt)
                .containsExactly(Instant.parse("2027-03-28T01:30:00Z"));
        // 02:30 exists twice on 31 October: the second one (CET, standard time, 01:30 UTC), never both.
        assertThat(all(birthday("dst-0230", LocalTime.of(2, 30), UTC, 0, ids), Instant.parse("2027-10-30T12:00:00Z"),
                Instant.parse("2027-10-31T12:00:00Z"))).extracting(DueOccurrence::fireAt)
                .containsExactly(Instant.parse("2027-10-31T01:30:00Z"));
    }

    @Test
    void fixedOffsetZonesKeepTheirSign() {
        // The data model accepts offsets as zones; PostgreSQL's AT TIME ZONE would read '+05:30' as UTC−5:30.
        String india = contact("1991-05-02", "+05:30");
        String brazil = contact("1991-05-02", "UTC-03:00");
        String zulu = contact("1991-05-02", "Z");
        DateTriggerSpec spec = birthday("offsets", LocalTime.of(9, 0), ZoneId.of("Asia/Tokyo"), 0,
                List.of(india, brazil, zulu));

        Map<Long, DueOccurrence> due = byContact(all(spec, Instant.parse("2027-05-01T12:00:00Z"),
                Instant.parse("2027-05-03T12:00:00Z")));

        assertThat(due.get(contactId(india)).fireAt()).isEqualTo("2027-05-02T03:30:00Z");
        assertThat(due.get(contactId(brazil)).fireAt()).isEqualTo("2027-05-02T12:00:00Z");
        assertThat(due.get(contactId(zulu)).fireAt()).isEqualTo("2027-05-02T09:00:00Z");
        assertThat(due.get(contactId(india)).zone()).isEqualTo("+05:30");
    }

    @Test
    void birthdaysAreFoundThroughTheBirthdayIndex() {
        String plan = triggers.explain(DateTriggerSpec.yearly("plan", "contacts", "birth_date", 0, LocalTime.of(9, 0),
                UTC),
                Instant.parse("2027-07-14T00:00:00Z"), Instant.parse("2027-07-15T00:00:00Z"));

        assertThat(plan).contains("contacts_birthday_idx");
    }

    @Test
    void aSpecThatDoesNotFitTheDataModelNamesTheField() {
        assertThatThrownBy(() -> triggers.validate(DateTriggerSpec.yearly("x", "contacts", "first_name", 0,
                LocalTime.NOON, UTC))).isInstanceOfSatisfying(InvalidInputException.class, e ->
                assertThat(e.errors()).extracting(f -> f.field()).containsExactly("column"));
        assertThatThrownBy(() -> triggers.validate(DateTriggerSpec.yearly("x", unique("missing"), "d", 0,
                LocalTime.NOON, UTC))).isInstanceOfSatisfying(InvalidInputException.class, e ->
                assertThat(e.errors()).extracting(f -> f.field()).containsExactly("table"));
        assertThatThrownBy(() -> triggers.validate(DateTriggerSpec.yearly("x", "contacts", "birth_date", 0,
                LocalTime.NOON, UTC).withWhere(List.of(new Condition("birth_date", Op.EQ, List.of("soon"))))))
                .isInstanceOfSatisfying(InvalidInputException.class, e ->
                        assertThat(e.errors()).extracting(f -> f.field()).containsExactly("where[0].values"));
    }
}
