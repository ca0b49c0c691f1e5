package io.activation.channels.print;

import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The print channel's sender: spools the letter durably (one row per message key, so a retried send spools nothing
 * twice) and answers {@link SendResult.Accepted}; {@link PrintBatchWriter} turns the spool into files later.
 */
public final class PrintSender implements ChannelSender {

    public static final String CHANNEL = "print";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final PrintChannelProperties properties;
    private final Clock clock;
    private final LetterPdf pdf = new LetterPdf();

    public PrintSender(JdbcTemplate jdbc, PrintChannelProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public SendResult send(OutboundMessage message) {
        String letter = message.content().part(Content.LETTER);
        if (letter == null || letter.isBlank()) {
            return new SendResult.Rejected("the message has no letter part", SendResult.Failure.OTHER);
        }
        Map<String, String> address = new LinkedHashMap<>();
        for (String field : properties.addressFields()) {
            String value = message.recipient().attributes().get(field);
            if (value != null && !value.isBlank()) {
                address.put(field, value.strip());
            }
        }
        List<String> missing = new ArrayList<>();
        for (String field : properties.requiredFields()) {
            if (!address.containsKey(field)) {
                missing.add(field);
            }
        }
        if (!missing.isEmpty()) {
            return new SendResult.Rejected("no postal address: missing " + String.join(", ", missing),
                    SendResult.Failure.INVALID_ADDRESS);
        }
        try {
            // Rendered once here so a letter the batch job could not print is refused now, where the runtime can
            // fall back to another channel, not found later in a batch.
            pdf.render(letter);
        } catch (RuntimeException e) {
            return new SendResult.Rejected("the letter cannot be rendered as PDF: " + e.getMessage(),
                    SendResult.Failure.OTHER);
        }
        jdbc.update("""
                insert into print_letters (message_key, delivery_id, contact_id, recipient_name, address, letter,
                    spooled_at)
                values (?, ?, ?, ?, cast(? as jsonb), ?, ?)
                on conflict (message_key) do nothing""", message.messageKey(), message.deliveryId(),
                message.contactId(), message.recipient().displayName(), JSON.writeValueAsString(address), letter,
                Timestamp.from(clock.instant()));
        Long id = jdbc.queryForObject("select id from print_letters where message_key = ?", Long.class,
                message.messageKey());
        return new SendResult.Accepted("print-letter-" + id);
    }
}
