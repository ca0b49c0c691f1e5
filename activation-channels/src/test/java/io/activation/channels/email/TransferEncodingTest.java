package io.activation.channels.email;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.activation.DataHandler;
import jakarta.mail.internet.MimeUtility;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sender decides the transfer encoding from the string as Jakarta Mail would from the written octets. */
class TransferEncodingTest {

    @Test
    void choosesWhatJakartaMailChooses() {
        List<String> texts = List.of(
                "Hello Ada,\nyour cart is waiting.\n",
                "<p>Tabs\tand CRLF\r\nonly</p>",
                "x".repeat(999),
                "short\n" + "y".repeat(998) + "\nend",
                "Grüße aus Köln, Ihr Warenkorb wartet",
                "Bonjour Zoë, votre panier (12,50 €) vous attend",
                "ありがとうございます、カートに商品が残っています",
                "Emoji 🎉🎉🎉 and text",
                "🎉🎉🎉🎉🎉🎉",
                "bell\u0007 and delete\u007F",
                "é".repeat(600));
        for (String text : texts) {
            for (String subtype : List.of("plain", "html")) {
                String expected = MimeUtility.getEncoding(
                        new DataHandler(text, "text/" + subtype + "; charset=UTF-8"));
                assertThat(SmtpSender.transferEncoding(text)).as("%s (%s)", text, subtype).isEqualTo(expected);
            }
        }
    }
}
