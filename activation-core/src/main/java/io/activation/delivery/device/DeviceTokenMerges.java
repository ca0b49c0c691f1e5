package io.activation.delivery.device;

import io.activation.contact.ContactMergeParticipant;
import java.time.Instant;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * An anonymous contact's device tokens follow it into the known contact it is merged with (the app was installed and
 * registered before the visitor logged in); without this they would go with the anonymous contact's row. The known
 * contact then keeps its {@value DeviceTokens#MAX_PER_CONTACT} most recently seen tokens.
 */
@Component
class DeviceTokenMerges implements ContactMergeParticipant {

    private final JdbcTemplate jdbc;

    DeviceTokenMerges(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void merged(long fromContactId, long intoContactId, Instant now) {
        if (jdbc.update("update device_tokens set contact_id = ? where contact_id = ?", intoContactId,
                fromContactId) > 0) {
            DeviceTokens.keepMostRecent(jdbc, intoContactId);
        }
    }
}
