package io.activation.web.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded PostgreSQL, one embedded Kafka broker and one mail catcher, each started lazily on first use.
 *
 * <p>{@link #shared(EmbeddedSettings)} is the JVM-wide instance: the first call creates it with its settings (later
 * calls get the same instance whatever settings they pass), so any number of Spring contexts in one JVM, for instance
 * the cached contexts of a test run, use one set of services. It is stopped by a JVM shutdown hook which first lets
 * Spring's own shutdown hooks close the application contexts, so that no context loses its database or broker while
 * it is still closing.
 *
 * <p>Instances made with the constructor are independent and are the caller's to {@link #close()}; tests that stop
 * and start services use those (or the server classes directly) so as not to disturb the shared instance.
 *
 * <p>In ephemeral mode the data lives in a fresh temporary directory that {@link #close()} deletes.
 */
public final class EmbeddedServices implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedServices.class);
    /** Names of the threads of Spring Boot's and Spring Framework's JVM shutdown hooks. */
    private static final Set<String> SPRING_SHUTDOWN_HOOKS =
            Set.of("SpringApplicationShutdownHook", "SpringContextShutdownHook");
    private static final long SPRING_SHUTDOWN_WAIT_MS = 30_000;
    private static final long SPRING_SHUTDOWN_HOOK_APPEAR_MS = 200;

    private static final Object SHARED_LOCK = new Object();
    private static volatile EmbeddedServices shared;

    private final EmbeddedSettings settings;
    private final Path dataDirectory;

    private final Object postgresLock = new Object();
    private final Object kafkaLock = new Object();
    private final Object mailLock = new Object();
    private volatile EmbeddedPostgresServer postgres;
    private volatile EmbeddedKafkaServer kafka;
    private volatile EmbeddedMailServer mail;
    private volatile boolean closed;

    /** An independent set of services (nothing starts until asked for); the caller closes it. */
    public EmbeddedServices(EmbeddedSettings settings) {
        this.settings = settings;
        try {
            this.dataDirectory = settings.ephemeral()
                    ? Files.createTempDirectory("activation-embedded-").toAbsolutePath()
                    : settings.dataDir();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary directory for embedded services", e);
        }
    }

    /**
     * The JVM-wide instance, created on the first call with the given settings and stopped when the JVM exits.
     * Creating it starts nothing.
     */
    public static EmbeddedServices shared(EmbeddedSettings settings) {
        EmbeddedServices instance = shared;
        if (instance == null) {
            synchronized (SHARED_LOCK) {
                instance = shared;
                if (instance == null) {
                    instance = new EmbeddedServices(settings);
                    Runtime.getRuntime().addShutdownHook(
                            new Thread(instance::closeAfterSpring, "activation-embedded-services-shutdown"));
                    shared = instance;
                }
            }
        }
        return instance;
    }

    /** The JVM-wide instance if something already created it. */
    public static Optional<EmbeddedServices> sharedIfCreated() {
        return Optional.ofNullable(shared);
    }

    public EmbeddedSettings settings() {
        return settings;
    }

    /** Where PostgreSQL ({@code postgres/}) and Kafka ({@code kafka/}) keep their data. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The PostgreSQL server, started on the first call. Later calls return it as it is (a caller may stop it). */
    public EmbeddedPostgresServer postgres() {
        synchronized (postgresLock) {
            checkOpen();
            if (postgres == null) {
                EmbeddedPostgresServer server =
                        new EmbeddedPostgresServer(dataDirectory.resolve("postgres"), settings.postgresPort());
                server.start();
                postgres = server;
            }
            return postgres;
        }
    }

    /** The Kafka broker, started on the first call. Later calls return it as it is (a caller may stop it). */
    public EmbeddedKafkaServer kafka() {
        synchronized (kafkaLock) {
            checkOpen();
            if (kafka == null) {
                EmbeddedKafkaServer server = new EmbeddedKafkaServer(dataDirectory.resolve("kafka"), settings.kafkaPort());
                server.start();
                kafka = server;
            }
            return kafka;
        }
    }

    /** The mail catcher, started on the first call. */
    public EmbeddedMailServer mail() {
        synchronized (mailLock) {
            checkOpen();
            if (mail == null) {
                mail = new EmbeddedMailServer(settings.smtpPort(), settings.imapPort());
            }
            return mail;
        }
    }

    public Optional<EmbeddedPostgresServer> postgresIfStarted() {
        return Optional.ofNullable(postgres);
    }

    public Optional<EmbeddedKafkaServer> kafkaIfStarted() {
        return Optional.ofNullable(kafka);
    }

    public Optional<EmbeddedMailServer> mailIfStarted() {
        return Optional.ofNullable(mail);
    }

    /** Stops whatever was started and, in ephemeral mode, deletes the data. Idempotent. */
    @Override
    public void close() {
        synchronized (mailLock) {
            synchronized (kafkaLock) {
                synchronized (postgresLock) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    if (mail != null) {
                        quietly("mail catcher", mail::stop);
                    }
                    if (kafka != null) {
                        quietly("Kafka", kafka::stop);
                    }
                    if (postgres != null) {
                        quietly("PostgreSQL", postgres::stop);
                    }
                    if (settings.ephemeral()) {
                        quietly("deleting " + dataDirectory, () -> deleteRecursively(dataDirectory));
                    }
                }
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Embedded services have been closed");
        }
    }

    /**
     * Runs in a JVM shutdown hook. All hooks start together, so first wait for Spring's: contexts close their
     * Kafka consumers and connection pools against live servers (a consumer closing against a stopped broker
     * waits out its timeouts).
     */
    private void closeAfterSpring() {
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPRING_SHUTDOWN_WAIT_MS);
            long appearDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPRING_SHUTDOWN_HOOK_APPEAR_MS);
            boolean sawSpringHook = false;
            // The JVM may not have started Spring's hook thread yet when this one runs: look again briefly.
            while (!sawSpringHook && System.nanoTime() < appearDeadline) {
                for (Thread thread : Thread.getAllStackTraces().keySet()) {
                    if (thread != Thread.currentThread() && SPRING_SHUTDOWN_HOOKS.contains(thread.getName())) {
                        sawSpringHook = true;
                        long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                        if (remainingMs > 0) {
                            thread.join(remainingMs);
                        }
                    }
                }
                if (!sawSpringHook) {
                    Thread.sleep(10);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
        }
    }

    private static void quietly(String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.warn("Stopping embedded {} failed", what, e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedServices[" + dataDirectory + (settings.ephemeral() ? ", ephemeral" : "") + "]";
    }
}
