package io.activation.template;

import java.util.Map;

/**
 * A rendered template: parts by name (e-mail {@code subject}, {@code html}, {@code text}, {@code unsubscribeUrl},
 * {@code unsubscribePostUrl}; SMS {@code text}; push {@code title}, {@code body}, {@code image}; wallet
 * {@code passType}, {@code description}; print {@code letter}; webhook {@code body}) and a key-value payload (push
 * data, wallet pass fields). The same names as the delivery SPI's {@code Content}.
 */
public record RenderedMessage(Map<String, String> parts, Map<String, String> data) {

    public RenderedMessage {
        parts = parts == null ? Map.of() : Map.copyOf(parts);
        data = data == null ? Map.of() : Map.copyOf(data);
    }
}
