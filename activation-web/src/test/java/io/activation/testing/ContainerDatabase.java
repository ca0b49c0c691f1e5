package io.activation.testing;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * PostgreSQL 17 in a container when a Docker engine is available; otherwise nothing, and the tests use the embedded
 * PostgreSQL the application starts itself. One container per test JVM, like the embedded one.
 */
final class ContainerDatabase {

    private static final Logger log = LoggerFactory.getLogger(ContainerDatabase.class);
    private static volatile Optional<PostgreSQLContainer> container;

    private ContainerDatabase() {}

    static synchronized Optional<PostgreSQLContainer> get() {
        if (container == null) {
            container = start();
        }
        return container;
    }

    private static Optional<PostgreSQLContainer> start() {
        if (Boolean.getBoolean("activation.tests.embedded-only") || !dockerAvailable()) {
            log.info("No Docker engine: tests run on the embedded PostgreSQL");
            return Optional.empty();
        }
        PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:17-alpine");
        postgres.start();
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::stop, "stop-test-postgres"));
        log.info("Tests run on PostgreSQL in a container: {}", postgres.getJdbcUrl());
        return Optional.of(postgres);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
