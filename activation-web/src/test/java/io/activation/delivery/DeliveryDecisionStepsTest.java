package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * V21 keeps the checks that lead to a step in that step's row ({@code steps}): the trail read back through
 * {@link DeliveryDecisions#of} (the API's "why") and the {@code delivery_trail} view is the list that was recorded,
 * entry for entry and in order, whatever the reasons hold, and only what belongs together is folded.
 */
class DeliveryDecisionStepsTest extends DeliveryTestSupport {

    @Autowired
    DeliveryDecisions decisions;

    @Test
    void theTrailReadsBackAsRecordedWhateverTheReasonsHold() {
        long contact = contact(unique("steps"), "{}");
        long a = unpublishedRequest(contact);
        long b = unpublishedRequest(contact);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Instant later = now.plusSeconds(60);
        String tricky = "quote \" backslash \\ slash / newline \n return \r tab \t bell \u0007 unit \u001f"
                + " accents é ü 😀 and a JSON-looking {\"x\": [1, 2]}";
        List<DeliveryDecisions.Entry> entries = List.of(
                entry(a, contact, "consent", "email", "passed", tricky, now),
                entry(a, contact, "suppression", "email", "passed", "", now),
                entry(a, contact, "address", null, "blocked", "no address", now),
                entry(a, contact, "channel", null, "skipped", "last of the first run", now),
                entry(b, contact, "priority", "email", "deferred", "b alone", now),
                entry(a, contact, "fallback", "sms", "failed", "a again, after b: a row of its own", now),
                entry(a, contact, "expiry", null, "dropped", "another instant: not folded", later));

        transactions.executeWithoutResult(s -> decisions.recordAll(entries));

        assertThat(decisions.of(a)).extracting(d -> List.of(d.stage(), String.valueOf(d.channel()), d.outcome(),
                d.reason(), d.at().toString(), String.valueOf(d.deliveryId()), String.valueOf(d.contactId())))
                .containsExactly(
                        List.of("consent", "email", "passed", tricky, now.toString(), "null", "" + contact),
                        List.of("suppression", "email", "passed", "", now.toString(), "null", "" + contact),
                        List.of("address", "null", "blocked", "no address", now.toString(), "null", "" + contact),
                        List.of("channel", "null", "skipped", "last of the first run", now.toString(), "null",
                                "" + contact),
                        List.of("fallback", "sms", "failed", "a again, after b: a row of its own", now.toString(),
                                "null", "" + contact),
                        List.of("expiry", "null", "dropped", "another instant: not folded", later.toString(), "null",
                                "" + contact));
        assertThat(decisions.of(b)).extracting(DeliveryDecisions.Decision::reason).containsExactly("b alone");
        // The first four of a are one row; the fallback and the expiry one each.
        assertThat(jdbc.queryForList("select coalesce(jsonb_array_length(steps), 0) from delivery_decisions"
                + " where request_id = ? order by id", Integer.class, a)).containsExactly(3, 0, 0);
        assertThat(jdbc.queryForObject("select count(*) from delivery_trail where request_id = ? and outcome ="
                + " 'passed'", Integer.class, a)).isEqualTo(2);
    }

    @Test
    void aRequestsTrailLastDecisionIsItsOutcomeThroughTheApi() {
        String name = unique("steps-api");
        long contact = contact(name, "{\"email\": \"" + name + "@example.com\"}");
        long skipped = unpublishedRequest(contact);
        arbitration.arriveAll(List.of(skipped));
        assertThat(steps(skipped)).containsExactly("consent/email/blocked", "channel/-/skipped");
        Response messages = get("/api/v1/contacts/" + name + "/messages").expect(200);
        assertThat(messages.json().get("items").get(0).get("outcome").get("stage").stringValue())
                .isEqualTo("channel");
        assertThat(messages.json().get("items").get(0).get("outcome").get("outcome").stringValue())
                .isEqualTo("skipped");
    }

    private static DeliveryDecisions.Entry entry(long request, long contact, String stage, String channel,
            String outcome, String reason, Instant at) {
        return new DeliveryDecisions.Entry(request, null, contact, stage, channel, outcome, reason, at);
    }
}
