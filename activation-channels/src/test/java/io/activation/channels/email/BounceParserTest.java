package io.activation.channels.email;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.StatusReport;
import io.activation.delivery.spi.StatusReport.Status;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** DSN (RFC 3464) and ARF (RFC 5965) parsing. */
class BounceParserTest {

    private static final Instant RECEIVED = Instant.parse("2026-11-22T12:00:00Z");
    private static final String OUR_ID = MessageIds.forKey("cart-1:email", "shop.example");

    static MimeMessage mime(String raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aFailedDsnWithA5xxStatusIsAHardBounceOfTheMessageKeyItQuotes() throws Exception {
        List<StatusReport> reports = BounceParser.parse(mime(Reports.dsn("failed", "5.1.1",
                Reports.returned("cart-1:email", OUR_ID), "message/rfc822")), RECEIVED);
        assertThat(reports).containsExactly(new StatusReport("email", "cart-1:email", MessageIds.bare(OUR_ID),
                Status.HARD_BOUNCE, "DSN failed 5.1.1 for rfc822; ada@example.org: smtp; 550 5.1.1 "
                        + "<ada@example.org>: Recipient address rejected: User unknown",
                Instant.parse("2026-11-22T10:04:00Z")));
    }

    @Test
    void aFailedDsnWithA4xxStatusIsASoftBounce() throws Exception {
        List<StatusReport> reports = BounceParser.parse(mime(Reports.dsn("failed", "4.2.2",
                Reports.returned("cart-1:email", OUR_ID), "text/rfc822-headers")), RECEIVED);
        assertThat(reports).extracting(StatusReport::status).containsExactly(Status.SOFT_BOUNCE);
    }

    @Test
    void deliveredIsReportedAndDelayedIsNot() throws Exception {
        assertThat(BounceParser.parse(mime(Reports.dsn("delivered", "2.0.0",
                Reports.returned("cart-1:email", OUR_ID), "message/rfc822")), RECEIVED))
                .extracting(StatusReport::status).containsExactly(Status.DELIVERED);
        assertThat(BounceParser.parse(mime(Reports.dsn("delayed", "4.4.1",
                Reports.returned("cart-1:email", OUR_ID), "message/rfc822")), RECEIVED)).isEmpty();
    }

    @Test
    void withoutOurHeaderTheMessageIdLeadsBackToTheKey() throws Exception {
        List<StatusReport> reports = BounceParser.parse(mime(Reports.dsn("failed", "5.1.1",
                Reports.returned(null, OUR_ID), "text/rfc822-headers")), RECEIVED);
        assertThat(reports).extracting(StatusReport::messageKey).containsExactly("cart-1:email");
    }

    @Test
    void aReportAboutSomeoneElsesMessageOrAnAutoReplyIsIgnored() throws Exception {
        assertThat(BounceParser.parse(mime(Reports.dsn("failed", "5.1.1",
                Reports.returned(null, "<abc@elsewhere.example>"), "message/rfc822")), RECEIVED)).isEmpty();
        assertThat(BounceParser.parse(mime("From: ada@example.org\r\nTo: bounces@shop.example\r\n"
                + "Subject: Out of office\r\nContent-Type: text/plain\r\n\r\nI am away.\r\n"), RECEIVED)).isEmpty();
    }

    @Test
    void anArfReportIsAComplaint() throws Exception {
        List<StatusReport> reports = BounceParser.parse(mime(Reports.arf(Reports.returned("cart-1:email", OUR_ID))),
                RECEIVED);
        assertThat(reports).containsExactly(new StatusReport("email", "cart-1:email", MessageIds.bare(OUR_ID),
                Status.COMPLAINT, "complaint (ARF feedback-type abuse) from ISP-FBL/1.0",
                Instant.parse("2026-11-22T10:30:00Z")));
    }

    @Test
    void messageIdsRoundTripAnyKey() {
        for (String key : List.of("cart-1:email", "req/42:push:ab12", "ünïcode key with spaces:email")) {
            String id = MessageIds.forKey(key, "shop.example");
            assertThat(id).matches("<act\\.[A-Za-z0-9_-]+@shop\\.example>");
            assertThat(MessageIds.keyOf(id)).isEqualTo(key);
        }
        assertThat(MessageIds.keyOf("<123.abc@mail.example>")).isNull();
    }
}
