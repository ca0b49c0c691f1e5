package io.activation.channels.email;

import io.activation.channels.MutableTestClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.delivery.spi.StatusReport;
import io.activation.delivery.spi.StatusReport.Status;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/** The provider webhook: signature, validation of the whole batch, the reports it hands on. */
class EmailWebhookControllerTest {

    private static final String SECRET = "0123456789abcdef-webhook";
    private final BounceMailboxReaderTest.Recording feedback = new BounceMailboxReaderTest.Recording();
    private final MutableTestClock clock = new MutableTestClock(Instant.parse("2026-11-22T12:00:00Z"));
    private final EmailWebhookController controller = new EmailWebhookController(SECRET, () -> feedback, clock);

    private static String signature(String body) {
        return "sha256=" + EmailWebhookController.sign(SECRET.getBytes(StandardCharsets.UTF_8),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private ResponseEntity<?> post(String signature, String body) {
        return controller.events(signature, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void signedEventsBecomeStatusReports() {
        String id = MessageIds.forKey("cart-9:email", "shop.example");
        String body = "[{\"messageKey\":\"cart-1:email\",\"type\":\"bounce\",\"bounceType\":\"hard\","
                + "\"detail\":\"550 5.1.1 user unknown\",\"at\":\"2026-11-22T11:00:00Z\"},"
                + "{\"messageId\":\"" + id + "\",\"type\":\"complaint\"},"
                + "{\"messageKey\":\"cart-2:email\",\"type\":\"bounce\",\"bounceType\":\"soft\"},"
                + "{\"messageId\":\"<0100abc@eu-west-1.amazonses.com>\",\"type\":\"delivered\"}]";
        ResponseEntity<?> response = post(signature(body), body);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(response.getBody()).isEqualTo(Map.of("accepted", 4));
        assertThat(feedback.reports).containsExactly(
                new StatusReport("email", "cart-1:email", null, Status.HARD_BOUNCE, "550 5.1.1 user unknown",
                        Instant.parse("2026-11-22T11:00:00Z")),
                new StatusReport("email", "cart-9:email", MessageIds.bare(id), Status.COMPLAINT,
                        "provider webhook: complaint", clock.instant()),
                new StatusReport("email", "cart-2:email", null, Status.SOFT_BOUNCE, "provider webhook: bounce",
                        clock.instant()),
                new StatusReport("email", null, "0100abc@eu-west-1.amazonses.com", Status.DELIVERED,
                        "provider webhook: delivered", clock.instant()));
    }

    @Test
    void aMissingOrWrongSignatureIs401AndReportsNothing() {
        String body = "[{\"messageKey\":\"cart-1:email\",\"type\":\"complaint\"}]";
        assertThat(post(null, body).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(post(signature(body + " "), body).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(post("sha256=" + EmailWebhookController.sign("another-secret-1234".getBytes(
                StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8)), body).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(post(signature(body).toUpperCase().replace("SHA256=", "sha256="), body).getStatusCode())
                .as("hex case does not matter").isEqualTo(HttpStatus.ACCEPTED);
        assertThat(feedback.reports).hasSize(1);
    }

    @Test
    void oneBadItemRejectsTheBatchNamingEveryField() {
        String body = "[{\"messageKey\":\"cart-1:email\",\"type\":\"complaint\"},"
                + "{\"type\":\"bounce\",\"bounceType\":\"medium\"},"
                + "{\"messageKey\":\"x\",\"type\":\"opened\",\"at\":\"yesterday\"}]";
        assertThatThrownBy(() -> post(signature(body), body)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.errors()).extracting(FieldError::field).containsExactly("[1].messageKey",
                        "[1].bounceType", "[2].type", "[2].at"));
        assertThat(feedback.reports).isEmpty();
        for (String bad : new String[] {"{\"type\":\"bounce\"}", "[]", "not json"}) {
            assertThatThrownBy(() -> post(signature(bad), bad)).isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void aShortSecretIsRefusedAtStartUp() {
        assertThatThrownBy(() -> new EmailWebhookController("short", () -> feedback, clock))
                .hasMessageContaining("webhook-secret");
    }
}
