package io.activation.web.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Servers of its own (not the shared one), since this test stops and restarts them. */
class EmbeddedPostgresServerTest {

    @TempDir
    Path dataDir;

    @Test
    void keepsDataAcrossARestartAndAcrossInstances() throws Exception {
        Path directory = dataDir.resolve("postgres");
        EmbeddedPostgresServer postgres = new EmbeddedPostgresServer(directory, 0);
        try {
            postgres.start();
            String jdbcUrl = postgres.jdbcUrl();
            assertThat(jdbcUrl).matches("jdbc:postgresql://localhost:\\d+/postgres");
            try (Connection connection = connect(postgres); Statement statement = connection.createStatement()) {
                statement.execute("create table survivor (id int primary key, name text)");
                statement.execute("insert into survivor values (1, 'Émile')");
                assertThat(single(statement, "select version()")).startsWith("PostgreSQL 17.");
                assertThat(single(statement, "select lower(name) from survivor")).as("Unicode-aware locale")
                        .isEqualTo("émile");
            }

            postgres.stop();
            assertThat(postgres.isRunning()).isFalse();
            assertThatThrownBy(() -> connect(postgres).close()).isInstanceOf(SQLException.class);

            postgres.start();
            assertThat(postgres.jdbcUrl()).as("same port after restart").isEqualTo(jdbcUrl);
            assertThat(select(postgres)).isEqualTo("Émile");
        } finally {
            postgres.stop();
        }

        // A new instance on the same directory, as after restarting the application: no initdb, same data.
        EmbeddedPostgresServer again = new EmbeddedPostgresServer(directory, 0);
        try {
            again.start();
            assertThat(select(again)).isEqualTo("Émile");
        } finally {
            again.stop();
        }
        assertThat(Files.readString(postgres.logFile())).contains("database system is ready to accept connections");
    }

    @Test
    void refusesADirectoryThatAnotherServerUses() {
        Path directory = dataDir.resolve("postgres");
        EmbeddedPostgresServer first = new EmbeddedPostgresServer(directory, 0);
        try {
            first.start();
            EmbeddedPostgresServer second = new EmbeddedPostgresServer(directory, 0);
            assertThatThrownBy(second::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use");
            assertThat(second.isRunning()).isFalse();
            assertThat(first.isRunning()).isTrue();
        } finally {
            first.stop();
        }
    }

    private static Connection connect(EmbeddedPostgresServer postgres) throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }

    private static String select(EmbeddedPostgresServer postgres) throws SQLException {
        try (Connection connection = connect(postgres); Statement statement = connection.createStatement()) {
            return single(statement, "select name from survivor where id = 1");
        }
    }

    private static String single(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
