package io.activation.template;

import java.time.Instant;
import java.util.Map;

/**
 * A message template of one channel: its Liquid parts by name (see {@link ChannelParts}) and, for push and wallet,
 * a map of Liquid values (push data, pass fields).
 */
public record Template(long id, String name, String channel, Map<String, String> parts, Map<String, String> data,
        Instant createdAt, Instant updatedAt) {

    public Template {
        parts = Map.copyOf(parts);
        data = Map.copyOf(data);
    }

    /** The first API's subject: the e-mail subject or push title (null on other channels). */
    public String subject() {
        String name = ChannelParts.subjectPart(channel);
        return name == null ? null : parts.get(name);
    }

    /** The first API's body: the channel's main part (e-mail html, else text; SMS text; push body; ...). */
    public String body() {
        String main = parts.get(ChannelParts.mainPart(channel));
        return main == null && "email".equals(channel) ? parts.get("text") : main;
    }
}
