package io.activation.template;

import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * What to render.
 *
 * @param template the template's name
 * @param channel its channel
 * @param contactId the contact the message is for
 * @param deliveryId the delivery the tracking links point to, or null for a preview (links are then inert)
 * @param messageKey the delivery's message key, or null for a preview
 * @param context what the message request carries for the template, e.g. {@code {"trigger": {...event or row...}}},
 *     may be null
 */
public record RenderRequest(String template, String channel, long contactId, Long deliveryId, String messageKey,
        JsonNode context) {

    public RenderRequest {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(channel, "channel");
    }
}
