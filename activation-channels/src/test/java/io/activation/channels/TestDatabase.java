package io.activation.channels;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.sql.Timestamp;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * One embedded PostgreSQL per test JVM with every migration on the classpath applied (the core's and this module's,
 * as the application runs them): the wallet and print stores are tested on the real schema without the whole app.
 */
public final class TestDatabase {

    private static DataSource dataSource;

    private TestDatabase() {}

    public static synchronized DataSource dataSource() {
        if (dataSource == null) {
            try {
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        postgres.close();
                    } catch (IOException ignored) {
                        // the JVM is going away
                    }
                }));
                DataSource ds = postgres.getPostgresDatabase();
                Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
                dataSource = ds;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dataSource;
    }

    public static JdbcTemplate jdbc() {
        return new JdbcTemplate(dataSource());
    }

    /** A new contact's id. */
    public static long newContact() {
        Timestamp now = Timestamp.from(Instant.now());
        return jdbc().queryForObject("insert into contacts (created_at, updated_at) values (?, ?) returning id",
                Long.class, now, now);
    }
}
