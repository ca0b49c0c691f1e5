package io.activation.delivery;

import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Where a channel reaches a contact: e-mail from {@code contacts.email}, SMS from {@code contacts.phone} (E.164),
 * push to every registered device token, print to the postal address made of the configured attributes, and the
 * sender's fixed address for channels that have one (webhook, wallet).
 */
@Component
class ContactAddresses {

    /** The addresses found (several only for push), or none with the reason. */
    record Resolved(List<String> addresses, String missing) {
        static Resolved of(String address) {
            return new Resolved(List.of(address), null);
        }

        static Resolved none(String why) {
            return new Resolved(List.of(), why);
        }

        boolean found() {
            return !addresses.isEmpty();
        }
    }

    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
    private static final Pattern E164 = Pattern.compile("^\\+[1-9][0-9]{6,14}$");

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final ChannelDirectory channels;
    private final DeliveryProperties properties;

    ContactAddresses(JdbcTemplate jdbc, TableCatalog catalog, ChannelDirectory channels,
            DeliveryProperties properties) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.channels = channels;
        this.properties = properties;
    }

    Resolved resolve(long contactId, String channel) {
        var fixed = channels.fixedAddress(channel);
        if (fixed.isPresent()) {
            return Resolved.of(fixed.get());
        }
        return switch (channel) {
            case "email" -> {
                String email = column(contactId, "email");
                yield email == null || email.isBlank() ? Resolved.none("the contact has no e-mail address")
                        : !EMAIL.matcher(email.trim()).matches()
                                ? Resolved.none("'" + email + "' is not a usable e-mail address")
                                : Resolved.of(email.trim());
            }
            case "sms" -> {
                String phone = column(contactId, "phone");
                yield phone == null || phone.isBlank() ? Resolved.none("the contact has no phone number")
                        : !E164.matcher(phone.trim()).matches()
                                ? Resolved.none("'" + phone + "' is not an E.164 phone number")
                                : Resolved.of(phone.trim());
            }
            case "push" -> {
                List<String> tokens = jdbc.queryForList("select token from device_tokens where contact_id = ?"
                        + " order by last_seen_at desc, token", String.class, contactId);
                yield tokens.isEmpty() ? Resolved.none("the contact has no registered device") : new Resolved(tokens,
                        null);
            }
            case "print" -> postal(contactId);
            default -> Resolved.none("no sender with a fixed address serves channel " + channel);
        };
    }

    private String column(long contactId, String column) {
        List<String> values = jdbc.queryForList("select " + column + " from contacts where id = ?", String.class,
                contactId);
        return values.isEmpty() ? null : values.get(0);
    }

    private Resolved postal(long contactId) {
        List<String> attributes = properties.postalAddressAttributes();
        if (attributes.isEmpty()) {
            return Resolved.none("no postal address attributes are configured (activation.delivery"
                    + ".postal-address-attributes)");
        }
        TableSchema contacts = catalog.contacts();
        List<String> select = new ArrayList<>();
        for (String attribute : attributes) {
            var column = contacts.column(attribute);
            if (column.isEmpty()) {
                return Resolved.none("'" + attribute + "' (a postal address attribute) is not a contact attribute");
            }
            select.add(column.get().quoted() + "::text as c" + select.size());
        }
        List<Map<String, Object>> rows = jdbc.queryForList("select " + String.join(", ", select)
                + " from contacts where id = ?", contactId);
        if (rows.isEmpty()) {
            return Resolved.none("the contact no longer exists");
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < attributes.size(); i++) {
            Object value = rows.get(0).get("c" + i);
            if (value == null || value.toString().isBlank()) {
                return Resolved.none("the postal address lacks " + attributes.get(i));
            }
            lines.add(value.toString().trim());
        }
        return Resolved.of(String.join("\n", lines));
    }
}
