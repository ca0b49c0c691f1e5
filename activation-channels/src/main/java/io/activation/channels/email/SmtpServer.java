package io.activation.channels.email;

import java.util.Map;
import java.util.Objects;

/**
 * Where the SMTP sender connects: {@code spring.mail.host}, {@code port}, {@code username}, {@code password},
 * {@code protocol} ({@code smtp}, or {@code smtps} for implicit TLS) and {@code properties} (extra Jakarta Mail
 * session properties such as {@code mail.smtp.starttls.enable}).
 */
public record SmtpServer(String host, int port, String username, String password, String protocol,
        Map<String, String> properties) {

    public SmtpServer {
        Objects.requireNonNull(host, "host");
        protocol = protocol == null || protocol.isBlank() ? "smtp" : protocol;
        if (!protocol.equals("smtp") && !protocol.equals("smtps")) {
            throw new IllegalArgumentException("spring.mail.protocol must be smtp or smtps, not " + protocol);
        }
        if (port <= 0) {
            port = protocol.equals("smtps") ? 465 : 25;
        }
        username = username == null || username.isBlank() ? null : username;
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    public static SmtpServer of(String host, int port) {
        return new SmtpServer(host, port, null, null, "smtp", Map.of());
    }
}
