package io.activation.web.embedded;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.util.StringUtils;

/**
 * Starts the embedded services the configuration does not replace, before the application context is created, and
 * points Spring at them.
 *
 * <ul>
 * <li>no {@code spring.datasource.url}: embedded PostgreSQL; sets {@code spring.datasource.url}, {@code .username},
 * {@code .password};</li>
 * <li>no {@code spring.kafka.bootstrap-servers}: embedded Kafka; sets {@code spring.kafka.bootstrap-servers};</li>
 * <li>no {@code spring.mail.host}: the mail catcher; sets {@code spring.mail.host}, {@code spring.mail.port} and
 * {@value EmbeddedSettings#IMAP_PORT} to the ports actually bound.</li>
 * </ul>
 *
 * Nothing starts when {@value EmbeddedSettings#ENABLED} is false, nor while Spring's AOT processing runs the
 * application at build time. The values go in a property source ahead of all others ({@value #PROPERTY_SOURCE_NAME}).
 * Services come from {@link EmbeddedServices#shared}, so a second application context in the same JVM reuses them.
 * Where Kafka, PostgreSQL or GreenMail were started, their chatty loggers default to WARN
 * ({@value #LOGGING_DEFAULTS_PROPERTY_SOURCE_NAME}, last in line, so any {@code logging.level.*} setting wins).
 *
 * <p>Registered in {@code META-INF/spring.factories}; runs after the configuration files have been read.
 */
public class EmbeddedServicesEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    public static final String PROPERTY_SOURCE_NAME = "activationEmbeddedServices";
    public static final String LOGGING_DEFAULTS_PROPERTY_SOURCE_NAME = "activationEmbeddedServicesLogging";
    /** After {@code ConfigDataEnvironmentPostProcessor}, so that application.properties and profiles count. */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE;

    static final String DATASOURCE_URL = "spring.datasource.url";
    static final String KAFKA_BOOTSTRAP_SERVERS = "spring.kafka.bootstrap-servers";
    static final String MAIL_HOST = "spring.mail.host";

    private final Log log;
    private final Function<EmbeddedSettings, EmbeddedServices> servicesForSettings;

    public EmbeddedServicesEnvironmentPostProcessor(DeferredLogFactory logFactory) {
        this(logFactory.getLog(EmbeddedServicesEnvironmentPostProcessor.class), EmbeddedServices::shared);
    }

    /** For tests: where the services come from instead of the JVM-wide instance. */
    EmbeddedServicesEnvironmentPostProcessor(Log log, Function<EmbeddedSettings, EmbeddedServices> servicesForSettings) {
        this.log = log;
        this.servicesForSettings = servicesForSettings;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (isBuildTime()) {
            return;
        }
        EmbeddedSettings settings = EmbeddedSettings.from(environment);
        if (!settings.enabled()) {
            log.debug("Embedded services are disabled (" + EmbeddedSettings.ENABLED + "=false)");
            return;
        }
        boolean needPostgres = isUnset(environment, DATASOURCE_URL);
        boolean needKafka = isUnset(environment, KAFKA_BOOTSTRAP_SERVERS);
        boolean needMail = isUnset(environment, MAIL_HOST);
        logConfigured(needPostgres, DATASOURCE_URL, "PostgreSQL");
        logConfigured(needKafka, KAFKA_BOOTSTRAP_SERVERS, "Kafka");
        logConfigured(needMail, MAIL_HOST, "mail catcher");
        if (!needPostgres && !needKafka && !needMail) {
            return;
        }

        EmbeddedServices services = servicesForSettings.apply(settings);
        if (!services.settings().equals(settings)) {
            log.warn("Embedded services already run in this JVM with data in " + services.dataDirectory()
                    + "; this application's activation.embedded.* settings are ignored");
        }
        // In parallel: PostgreSQL mostly waits on its own process, Kafka mostly loads classes.
        CompletableFuture<EmbeddedPostgresServer> postgres = needPostgres ? startAsync(services::postgres) : null;
        CompletableFuture<EmbeddedKafkaServer> kafka = needKafka ? startAsync(services::kafka) : null;
        CompletableFuture<EmbeddedMailServer> mail = needMail ? startAsync(services::mail) : null;

        Map<String, Object> properties = new LinkedHashMap<>();
        Map<String, Object> loggingDefaults = new LinkedHashMap<>();
        String ephemeralNote = services.settings().ephemeral() ? " (ephemeral: deleted when the JVM exits)" : "";
        long started = System.nanoTime();
        if (postgres != null) {
            EmbeddedPostgresServer server = await(postgres, "PostgreSQL");
            properties.put(DATASOURCE_URL, server.jdbcUrl());
            properties.put("spring.datasource.username", server.username());
            properties.put("spring.datasource.password", server.password());
            loggingDefaults.put("logging.level.io.zonky.test.db.postgres", "WARN");
            server.stoppedOrphan().ifPresent(pid -> log.warn("Stopped PostgreSQL (pid " + pid + ") that an earlier "
                    + "run, which did not shut down cleanly, had left running on " + server.directory()));
            log.info("Embedded PostgreSQL 17 on " + server.jdbcUrl() + ", data in " + server.directory()
                    + (server.createdCluster() ? " (new database)" : "") + ephemeralNote
                    + ", server log " + server.logFile());
        }
        if (kafka != null) {
            EmbeddedKafkaServer server = await(kafka, "Kafka");
            properties.put(KAFKA_BOOTSTRAP_SERVERS, server.bootstrapServers());
            loggingDefaults.put("logging.level.kafka", "WARN");
            loggingDefaults.put("logging.level.org.apache.kafka", "WARN");
            loggingDefaults.put("logging.level.state.change.logger", "WARN");
            log.info("Embedded Kafka (KRaft, single node) on " + server.bootstrapServers() + ", data in "
                    + server.directory() + (server.formattedStorage() ? " (new cluster " + server.clusterId() + ")" : "")
                    + ephemeralNote);
        }
        if (mail != null) {
            EmbeddedMailServer server = await(mail, "mail catcher");
            properties.put(MAIL_HOST, server.host());
            properties.put("spring.mail.port", server.smtpPort());
            properties.put(EmbeddedSettings.IMAP_PORT, server.imapPort());
            loggingDefaults.put("logging.level.com.icegreen.greenmail", "WARN");
            log.info("Embedded mail catcher (GreenMail) takes SMTP on " + server.host() + ":" + server.smtpPort()
                    + "; read it over IMAP on " + server.host() + ":" + server.imapPort()
                    + " (any user name and password; mail is kept in memory only)");
        }
        log.info(String.format("Embedded services ready in %.1f s", (System.nanoTime() - started) / 1e9));

        MutablePropertySources sources = environment.getPropertySources();
        put(sources, new MapPropertySource(PROPERTY_SOURCE_NAME, properties), true);
        put(sources, new MapPropertySource(LOGGING_DEFAULTS_PROPERTY_SOURCE_NAME, loggingDefaults), false);
    }

    private void logConfigured(boolean needed, String property, String service) {
        if (!needed) {
            log.info(property + " is set: no embedded " + service);
        }
    }

    private static <T> CompletableFuture<T> startAsync(Supplier<T> start) {
        CompletableFuture<T> future = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                future.complete(start.get());
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        }, "activation-embedded-start");
        thread.start();
        return future;
    }

    private static <T> T await(CompletableFuture<T> future, String service) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("Embedded " + service + " could not start: " + cause.getMessage()
                    + " (configure a real one, or set " + EmbeddedSettings.ENABLED + "=false)", cause);
        }
    }

    private static void put(MutablePropertySources sources, PropertySource<?> source, boolean first) {
        if (sources.contains(source.getName())) {
            sources.replace(source.getName(), source);
        } else if (first) {
            sources.addFirst(source);
        } else {
            sources.addLast(source);
        }
    }

    private static boolean isUnset(ConfigurableEnvironment environment, String property) {
        return !StringUtils.hasText(environment.getProperty(property));
    }

    /** Spring's AOT processing and GraalVM's image build run the application's setup; they must not start servers. */
    private static boolean isBuildTime() {
        return Boolean.getBoolean("spring.aot.processing")
                || "buildtime".equals(System.getProperty("org.graalvm.nativeimage.imagecode"));
    }
}
