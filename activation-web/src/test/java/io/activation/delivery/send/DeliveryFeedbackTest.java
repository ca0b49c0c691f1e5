package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.consent.Channel;
import io.activation.consent.ConsentChange;
import io.activation.consent.ConsentStatus;
import io.activation.consent.Consents;
import io.activation.consent.Suppressions;
import io.activation.delivery.spi.InboundMessage;
import io.activation.delivery.spi.StatusReport;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Provider feedback: receipts, bounces, complaints and failures move the delivery; SMS STOP and START move consent. */
class DeliveryFeedbackTest extends SenderTestSupport {

    @Autowired
    DeliveryFeedback feedback;

    @Autowired
    Consents consents;

    @Autowired
    Suppressions suppressions;

    private long sent(String channel, String... requestChannels) {
        long contact = contact(null);
        long request = request(contact, requestChannels.length == 0 ? new String[] {channel} : requestChannels);
        String email = jdbc.queryForObject("select email from contacts where id = ?", String.class, contact);
        long id = delivery(request, contact, channel, "welcome", email);
        jdbc.update("update deliveries set status = 'sent', attempts = 1, provider_id = ?, sent_at = ? where id = ?",
                "SM" + id, Timestamp.from(clock.instant()), id);
        return id;
    }

    private String key(long id) {
        return (String) row(id).get("message_key");
    }

    @Test
    void aDeliveryReceiptFoundByProviderIdMarksItDeliveredOnce() {
        String channel = channel();
        long id = sent(channel);
        try (KafkaConsumer<String, String> activationEvents = eventsConsumer()) {
            StatusReport report = new StatusReport(channel, null, "SM" + id, StatusReport.Status.DELIVERED, "delivered",
                    clock.instant());
            feedback.status(report);
            feedback.status(report);
            assertThat(status(id)).isEqualTo("delivered");
            assertThat(decisions(id)).filteredOn(d -> d.get("outcome").equals("delivered")).hasSize(1);
            List<ConsumerRecord<String, String>> seen = consumeUntil(activationEvents,
                    records -> records.stream().anyMatch(r -> r.value().contains(SendEvents.DELIVERED)
                            && value(r).path("data").path("deliveryId").asLong() == id), Duration.ofSeconds(30));
            JsonNode event = seen.stream().map(r -> value(r)).filter(v -> v.path("type").asString()
                    .equals(SendEvents.DELIVERED)).findFirst().orElseThrow();
            assertThat(event.path("data").path("messageKey").asString()).isEqualTo(key(id));
            assertThat(event.path("data").path("stepId").asString()).isEqualTo("send");
        }
    }

    @Test
    void aHardBounceSuppressesTheAddressAndFallsBackOnlyWhenTheRequestHasAnotherChannel() {
        String channel = channel();
        long alone = sent(channel);
        long withSms = sent(channel, channel, "sms");
        Fallbacks fallbacks = new Fallbacks();
        DeliveryFeedback f = feedback.withFallback(fallbacks);
        for (long id : List.of(alone, withSms)) {
            f.status(new StatusReport(channel, key(id), null, StatusReport.Status.HARD_BOUNCE, "550 5.1.1 unknown user",
                    clock.instant()));
            assertThat(status(id)).isEqualTo("bounced");
            assertThat(suppressions.find(channel, (String) row(id).get("address"))).hasValueSatisfying(s ->
                    assertThat(s.reason()).isEqualTo("hard-bounce"));
            assertDecision(decisions(id), "bounced", "550 5.1.1 unknown user");
        }
        assertThat(fallbacks.ids()).containsExactly(withSms);
    }

    @Test
    void aComplaintSuppressesAndAFailureFallsBack() {
        String channel = channel();
        long complained = sent(channel);
        long failed = sent(channel, channel, "email");
        Fallbacks fallbacks = new Fallbacks();
        DeliveryFeedback f = feedback.withFallback(fallbacks);
        f.status(new StatusReport(channel, key(complained), null, StatusReport.Status.COMPLAINT, "abuse report",
                clock.instant()));
        f.status(new StatusReport(channel, null, "SM" + failed, StatusReport.Status.FAILED, "30003 unreachable",
                clock.instant()));
        f.status(new StatusReport(channel, "no-such-key", null, StatusReport.Status.FAILED, "x", clock.instant()));
        assertThat(status(complained)).isEqualTo("complained");
        assertThat(suppressions.find(channel, (String) row(complained).get("address"))).hasValueSatisfying(s ->
                assertThat(s.reason()).isEqualTo("complaint"));
        assertThat(status(failed)).isEqualTo("failed");
        assertThat(row(failed).get("last_error")).isEqualTo("the provider gave up: 30003 unreachable");
        assertThat(fallbacks.ids()).containsExactly(failed);
        // A late receipt does not undo a failure.
        f.status(new StatusReport(channel, key(failed), null, StatusReport.Status.DELIVERED, null, clock.instant()));
        assertThat(status(failed)).isEqualTo("failed");
    }

    @Test
    void smsStopWithdrawsMarketingConsentAndSuppressesTheNumberAndStartUndoesIt() {
        String phone = "+3161" + String.format("%07d", (long) (Math.random() * 10_000_000));
        long contact = contact(phone);
        consents.record(contact, new ConsentChange(Channel.SMS, "marketing", ConsentStatus.GRANTED, "signup", null),
                "test");
        feedback.inbound(new InboundMessage("sms", phone, "+3197010", "Stop please", "SMin1", clock.instant()));
        assertThat(consents.granted(contact, Channel.SMS, "marketing")).isFalse();
        assertThat(consents.find(contact, Channel.SMS, "marketing").orElseThrow().source())
                .isEqualTo(DeliveryFeedback.SOURCE);
        assertThat(suppressions.find("sms", phone)).hasValueSatisfying(s -> assertThat(s.reason())
                .isEqualTo("opted-out"));

        // Anything else is not a keyword.
        feedback.inbound(new InboundMessage("sms", phone, "+3197010", "yesterday was great", "SMin2",
                clock.instant()));
        assertThat(consents.granted(contact, Channel.SMS, "marketing")).isFalse();

        feedback.inbound(new InboundMessage("sms", phone, "+3197010", "START", "SMin3", clock.instant()));
        assertThat(consents.granted(contact, Channel.SMS, "marketing")).isTrue();
        assertThat(suppressions.find("sms", phone)).isEmpty();

        for (String word : List.of("STOPALL", "unsubscribe", "Cancel", "END", "quit.")) {
            feedback.inbound(new InboundMessage("sms", phone, "+3197010", word, "SMin-" + word, clock.instant()));
            assertThat(consents.granted(contact, Channel.SMS, "marketing")).as(word).isFalse();
            feedback.inbound(new InboundMessage("sms", phone, "+3197010", "unstop", "SMback", clock.instant()));
            assertThat(consents.granted(contact, Channel.SMS, "marketing")).as("after " + word).isTrue();
        }
    }

    @Test
    void startDoesNotLiftASuppressionForAnotherReason() {
        String phone = "+3162" + String.format("%07d", (long) (Math.random() * 10_000_000));
        suppressions.suppress("sms", phone, "hard-bounce", "test", "21211 invalid number");
        feedback.inbound(new InboundMessage("sms", phone, "+3197010", "YES", "SMyes", clock.instant()));
        assertThat(suppressions.find("sms", phone)).hasValueSatisfying(s -> assertThat(s.reason())
                .isEqualTo("hard-bounce"));
    }
}
