package io.activation.delivery;

import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /** What was read about some contacts (once for a batch of decisions): where each channel reaches them. */
    final class Known {
        private final Map<Long, String[]> columns = new HashMap<>();
        private final Map<Long, List<String>> tokens = new HashMap<>();
        private final Map<Long, Resolved> postal = new HashMap<>();
        private Resolved postalMissing;

        Resolved resolve(long contactId, String channel) {
            var fixed = channels.fixedAddress(channel);
            if (fixed.isPresent()) {
                return Resolved.of(fixed.get());
            }
            return switch (channel) {
                case "email" -> {
                    String email = column(contactId, 0);
                    yield email == null || email.isBlank() ? Resolved.none("the contact has no e-mail address")
                            : !EMAIL.matcher(email.trim()).matches()
                                    ? Resolved.none("'" + email + "' is not a usable e-mail address")
                                    : Resolved.of(email.trim());
                }
                case "sms" -> {
                    String phone = column(contactId, 1);
                    yield phone == null || phone.isBlank() ? Resolved.none("the contact has no phone number")
                            : !E164.matcher(phone.trim()).matches()
                                    ? Resolved.none("'" + phone + "' is not an E.164 phone number")
                                    : Resolved.of(phone.trim());
                }
                case "push" -> {
                    List<String> found = tokens.getOrDefault(contactId, List.of());
                    yield found.isEmpty() ? Resolved.none("the contact has no registered device")
                            : new Resolved(found, null);
                }
                case "print" -> postalMissing != null ? postalMissing
                        : postal.getOrDefault(contactId, Resolved.none("the contact no longer exists"));
                default -> Resolved.none("no sender with a fixed address serves channel " + channel);
            };
        }

        /** The contact's time zone column ({@code time_zone}), or null. */
        String timeZone(long contactId) {
            return column(contactId, 2);
        }

        private String column(long contactId, int index) {
            String[] values = columns.get(contactId);
            return values == null ? null : values[index];
        }
    }

    /** What {@link #readColumns} reads: e-mail, phone and time zone of the contacts {@code any(?)} names. */
    static final String SELECT = "select id, email, phone, time_zone from contacts where id = any(?)";

    /** An empty set of facts, to fill with {@link #readColumns} and {@link #loadOthers}. */
    Known known() {
        return new Known();
    }

    /** Adds the columns on the result set's current row (a row of {@link #SELECT}). */
    static void readColumns(Known known, ResultSet rs) throws SQLException {
        known.columns.put(rs.getLong(1), new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
    }

    /** What {@link #load} reads besides {@link #SELECT}: device tokens for push, postal addresses for print. */
    void loadOthers(Known known, Collection<Long> contactIds, Set<String> wanted) {
        if (contactIds.isEmpty()) {
            return;
        }
        Object[] ids = contactIds.toArray();
        if (wanted.contains("push") && channels.fixedAddress("push").isEmpty()) {
            jdbc.query(connection -> {
                PreparedStatement ps = connection.prepareStatement("select contact_id, token from device_tokens"
                        + " where contact_id = any(?) order by contact_id, last_seen_at desc, token");
                ps.setArray(1, connection.createArrayOf("bigint", ids));
                return ps;
            }, rs -> {
                known.tokens.computeIfAbsent(rs.getLong(1), c -> new ArrayList<>()).add(rs.getString(2));
            });
        }
        if (wanted.contains("print") && channels.fixedAddress("print").isEmpty()) {
            postal(known, ids);
        }
    }

    private void postal(Known known, Object[] ids) {
        List<String> attributes = properties.postalAddressAttributes();
        if (attributes.isEmpty()) {
            known.postalMissing = Resolved.none("no postal address attributes are configured (activation.delivery"
                    + ".postal-address-attributes)");
            return;
        }
        TableSchema contacts = catalog.contacts();
        List<String> select = new ArrayList<>();
        for (String attribute : attributes) {
            var column = contacts.column(attribute);
            if (column.isEmpty()) {
                known.postalMissing = Resolved.none("'" + attribute + "' (a postal address attribute) is not a"
                        + " contact attribute");
                return;
            }
            select.add(column.get().quoted() + "::text as c" + select.size());
        }
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement("select id, " + String.join(", ", select)
                    + " from contacts where id = any(?)");
            ps.setArray(1, connection.createArrayOf("bigint", ids));
            return ps;
        }, rs -> {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < attributes.size(); i++) {
                String value = rs.getString("c" + i);
                if (value == null || value.isBlank()) {
                    known.postal.put(rs.getLong("id"), Resolved.none("the postal address lacks "
                            + attributes.get(i)));
                    return;
                }
                lines.add(value.trim());
            }
            known.postal.put(rs.getLong("id"), Resolved.of(String.join("\n", lines)));
        });
    }
}
