package io.activation.delivery.spi;

import java.util.Map;
import java.util.Objects;

/**
 * Where a message goes on its channel.
 *
 * @param address the e-mail address, the E.164 phone number, the device token, the wallet pass serial number, or the
 *     webhook URL
 * @param displayName the contact's name for display ("Ada Lovelace"), may be null
 * @param attributes the contact's attributes as text, by column name (postal address for print, locale, time zone)
 */
public record Recipient(String address, String displayName, Map<String, String> attributes) {

    public Recipient {
        Objects.requireNonNull(address, "address");
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }
}
