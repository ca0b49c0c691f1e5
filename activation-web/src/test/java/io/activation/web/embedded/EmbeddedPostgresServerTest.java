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
import java.util.ArrayList;
import java.util.List;

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
            assertThat(postgres.createdCluster()).isTrue();
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
            assertThat(postgres.createdCluster()).isFalse();
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

    /** As if the JVM that ran the server had been killed: the postmaster runs on, and nobody holds zonky's lock. */
    @Test
    void stopsAPostmasterOrphanedByAKilledJvm() throws Exception {
        Path directory = dataDir.resolve("postgres");
        EmbeddedPostgresServer first = new EmbeddedPostgresServer(directory, 0);
        Path bin;
        try {
            first.start();
            try (Connection connection = connect(first); Statement statement = connection.createStatement()) {
                statement.execute("create table survivor (id int primary key, name text)");
                statement.execute("insert into survivor values (1, 'orphan')");
            }
            bin = Path.of(postmaster(directory).info().command().orElseThrow()).getParent();
        } finally {
            first.stop();
        }
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("unshare", "-U")); // as zonky does: pg_ctl refuses to run as root
        }
        command.addAll(List.of(bin.resolve("pg_ctl").toString(), "-D", directory.toString(),
                "-o", "-p " + EmbeddedPorts.freePort(), "-w", "start"));
        Process pgCtl = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dataDir.resolve("orphan.log").toFile()).start();
        assertThat(pgCtl.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(pgCtl.exitValue()).as(Files.readString(dataDir.resolve("orphan.log"))).isZero();
        ProcessHandle orphan = postmaster(directory);
        assertThat(orphan.isAlive()).isTrue();

        EmbeddedPostgresServer next = new EmbeddedPostgresServer(directory, 0);
        try {
            next.start();
            assertThat(next.stoppedOrphan()).hasValue(orphan.pid());
            assertThat(orphan.isAlive()).isFalse();
            assertThat(select(next)).isEqualTo("orphan");
        } finally {
            next.stop();
        }
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

    private static ProcessHandle postmaster(Path directory) throws Exception {
        long pid = Long.parseLong(Files.readAllLines(directory.resolve("postmaster.pid")).get(0).trim());
        return ProcessHandle.of(pid).orElseThrow();
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
