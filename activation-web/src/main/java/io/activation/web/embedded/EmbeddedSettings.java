package io.activation.web.embedded;

import java.nio.file.Path;

import org.springframework.core.env.Environment;

/**
 * The {@code activation.embedded.*} settings. In ephemeral mode every port is 0 (random) whatever was configured, and
 * {@link #dataDir()} is ignored: {@link EmbeddedServices} then keeps data in a fresh temporary directory.
 *
 * @param enabled      {@value #ENABLED}: start embedded services for whatever is not configured (default true)
 * @param dataDir      {@value #DATA_DIR}: where PostgreSQL and Kafka keep their data (default {@code ./data}),
 *                     made absolute against the working directory
 * @param ephemeral    {@value #EPHEMERAL}: throw-away data and random ports, for tests (default false)
 * @param postgresPort {@value #POSTGRES_PORT} (default 0: a free port)
 * @param kafkaPort    {@value #KAFKA_PORT} (default 0: a free port)
 * @param smtpPort     {@value #SMTP_PORT} (default 2525)
 * @param imapPort     {@value #IMAP_PORT} (default 3143)
 */
public record EmbeddedSettings(boolean enabled, Path dataDir, boolean ephemeral, int postgresPort, int kafkaPort,
        int smtpPort, int imapPort) {

    public static final String ENABLED = "activation.embedded.enabled";
    public static final String DATA_DIR = "activation.embedded.data-dir";
    public static final String EPHEMERAL = "activation.embedded.ephemeral";
    public static final String POSTGRES_PORT = "activation.embedded.postgres.port";
    public static final String KAFKA_PORT = "activation.embedded.kafka.port";
    public static final String SMTP_PORT = "activation.embedded.mail.smtp-port";
    public static final String IMAP_PORT = "activation.embedded.mail.imap-port";

    public static final String DEFAULT_DATA_DIR = "./data";
    public static final int DEFAULT_SMTP_PORT = 2525;
    public static final int DEFAULT_IMAP_PORT = 3143;

    public EmbeddedSettings {
        if (dataDir == null) {
            throw new IllegalArgumentException(DATA_DIR + " must not be empty");
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        checkPort(POSTGRES_PORT, postgresPort);
        checkPort(KAFKA_PORT, kafkaPort);
        checkPort(SMTP_PORT, smtpPort);
        checkPort(IMAP_PORT, imapPort);
        if (ephemeral) {
            postgresPort = 0;
            kafkaPort = 0;
            smtpPort = 0;
            imapPort = 0;
        }
    }

    /** What a user gets with nothing configured. */
    public static EmbeddedSettings defaults() {
        return new EmbeddedSettings(true, Path.of(DEFAULT_DATA_DIR), false, 0, 0, DEFAULT_SMTP_PORT,
                DEFAULT_IMAP_PORT);
    }

    /** Throw-away data in a temporary directory, random ports: for tests. */
    public static EmbeddedSettings ephemeralSettings() {
        return new EmbeddedSettings(true, Path.of(DEFAULT_DATA_DIR), true, 0, 0, 0, 0);
    }

    /** Reads the settings from Spring's environment (so also from environment variables, relaxed names). */
    public static EmbeddedSettings from(Environment environment) {
        return new EmbeddedSettings(
                environment.getProperty(ENABLED, Boolean.class, true),
                Path.of(environment.getProperty(DATA_DIR, DEFAULT_DATA_DIR).trim()),
                environment.getProperty(EPHEMERAL, Boolean.class, false),
                environment.getProperty(POSTGRES_PORT, Integer.class, 0),
                environment.getProperty(KAFKA_PORT, Integer.class, 0),
                environment.getProperty(SMTP_PORT, Integer.class, DEFAULT_SMTP_PORT),
                environment.getProperty(IMAP_PORT, Integer.class, DEFAULT_IMAP_PORT));
    }

    private static void checkPort(String property, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(property + " must be a TCP port (0 for a free one), not " + port);
        }
    }
}
