package io.activation.web.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17 from zonky's bundled binaries, run as a child process of this JVM, with its cluster kept in a
 * directory of our choosing so that it survives restarts ({@code initdb} runs only when the directory holds no
 * cluster yet). The server's own output goes to a log file next to the directory ({@code <directory>.log}).
 *
 * <p>The port is chosen once: a configured port of 0 means "a free port, picked at the first {@link #start()}", and
 * later restarts of the same instance reuse it. Connections need no password (the cluster is initialised with
 * {@code trust} authentication on the loopback interface); {@link #password()} is there for configuration that
 * insists on one.
 *
 * <p>PostgreSQL refuses to run as root; when the JVM runs as root, zonky starts it in a user namespace through
 * {@code unshare -U} (so that needs util-linux and user namespaces, which some container runtimes forbid).
 *
 * <p>Not a Spring bean and not a singleton: {@link EmbeddedServices} holds the JVM's shared instance.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    public static final String DATABASE = "postgres";
    public static final String USERNAME = "postgres";
    public static final String PASSWORD = "postgres";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    /** zonky's lock file in the data directory, held by the JVM whose postmaster owns the directory. */
    private static final String ZONKY_LOCK_FILE = "epg-lock";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private final Path directory;
    private final Path logFile;
    private final int configuredPort;
    private int port;
    private EmbeddedPostgres postgres;
    private boolean createdCluster;
    private OptionalLong stoppedOrphan = OptionalLong.empty();

    /**
     * @param directory where the cluster lives (created and initialised on first start, reused afterwards)
     * @param port      the TCP port on localhost, or 0 for a free one picked at first start
     */
    public EmbeddedPostgresServer(Path directory, int port) {
        this.directory = directory.toAbsolutePath().normalize();
        this.logFile = this.directory.resolveSibling(this.directory.getFileName() + ".log");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Not a TCP port: " + port);
        }
        this.configuredPort = port;
    }

    /** Starts the server (running {@code initdb} first if the directory holds no cluster); no-op when running. */
    public synchronized void start() {
        if (postgres != null) {
            return;
        }
        if (port == 0) {
            port = EmbeddedPorts.resolve(configuredPort);
        }
        try {
            Files.createDirectories(directory);
            stoppedOrphan = stopOrphanedPostmaster();
            createdCluster = !Files.exists(directory.resolve("postgresql.conf"));
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setPGStartupWait(STARTUP_WAIT)
                    // EmbeddedServices stops us in order; zonky's own hook would race with the application's.
                    .setRegisterShutdownHook(false)
                    // PG 17's built-in provider: needs no OS locale, yet lower()/upper() know Unicode.
                    .setLocaleConfig("locale-provider", "builtin")
                    .setLocaleConfig("builtin-locale", "C.UTF-8")
                    .setOutputRedirector(Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Embedded PostgreSQL did not start on port " + port + " with data in "
                    + directory + ": " + e.getMessage() + " (server log: " + logFile + ")" + rootHint(), e);
        }
    }

    /** Stops the server with a fast shutdown (open sessions are rolled back); no-op when not running. */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop embedded PostgreSQL in " + directory, e);
        } finally {
            postgres = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public synchronized boolean isRunning() {
        return postgres != null;
    }

    /** The port, known from the first {@link #start()} on. */
    public synchronized int port() {
        if (port == 0) {
            throw new IllegalStateException("Embedded PostgreSQL has not been started yet");
        }
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    public String username() {
        return USERNAME;
    }

    public String password() {
        return PASSWORD;
    }

    /** Whether the last {@link #start()} had to create the cluster (run {@code initdb}): no data was there. */
    public synchronized boolean createdCluster() {
        return createdCluster;
    }

    /**
     * The pid of a postmaster that a previous, uncleanly ended JVM had left running on the directory and that the
     * last {@link #start()} therefore stopped. (Logged here too, but a Spring application's logging is not yet set
     * up when the services start, so callers that want the user to see it should report it themselves.)
     */
    public synchronized OptionalLong stoppedOrphan() {
        return stoppedOrphan;
    }

    /** The cluster's directory. */
    public Path directory() {
        return directory;
    }

    /** Where the server's own output (initdb, postmaster) goes. */
    public Path logFile() {
        return logFile;
    }

    /**
     * PostgreSQL runs in its own process, so a JVM that died without running its shutdown hooks (kill -9, an IDE's
     * hard stop) leaves the postmaster running on our directory, and the next start would fail. zonky's lock file
     * tells whether a live JVM still owns the directory: if nobody holds it, the postmaster named in
     * {@code postmaster.pid} is an orphan and is asked to shut down.
     */
    private OptionalLong stopOrphanedPostmaster() throws IOException {
        Optional<ProcessHandle> postmaster = runningPostmaster();
        if (postmaster.isEmpty()) {
            return OptionalLong.empty();
        }
        Path lockFile = directory.resolve(ZONKY_LOCK_FILE);
        try (FileOutputStream stream = new FileOutputStream(lockFile.toFile());
                FileLock lock = stream.getChannel().tryLock()) {
            if (lock == null) {
                throw new IllegalStateException(inUseMessage(postmaster.get()));
            }
            log.warn("Stopping PostgreSQL (pid {}) left running on {} by a process that did not shut down cleanly",
                    postmaster.get().pid(), directory);
            postmaster.get().destroy(); // SIGTERM: a "smart" shutdown, all its clients are gone anyway
            postmaster.get().onExit().get(30, TimeUnit.SECONDS);
            return OptionalLong.of(postmaster.get().pid());
        } catch (OverlappingFileLockException e) {
            throw new IllegalStateException(inUseMessage(postmaster.get()), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Orphaned PostgreSQL (pid " + postmaster.get().pid() + ") on " + directory
                    + " did not stop within 30 s; stop it by hand", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while stopping an orphaned PostgreSQL", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("Could not wait for an orphaned PostgreSQL to stop", e);
        }
    }

    /**
     * PostgreSQL refuses to run as root. zonky then runs it in a user namespace ({@code unshare -U}), which needs
     * util-linux's unshare and a kernel (or container runtime) that allows user namespaces.
     */
    private static String rootHint() {
        return "root".equals(System.getProperty("user.name"))
                ? "; note: running as root, PostgreSQL only starts through 'unshare -U' (user namespaces);"
                        + " run as an ordinary user if that is not available"
                : "";
    }

    private String inUseMessage(ProcessHandle postmaster) {
        return "The PostgreSQL data directory " + directory + " is in use by another running application (postmaster pid "
                + postmaster.pid() + "); stop it, or give this one another activation.embedded.data-dir";
    }

    private Optional<ProcessHandle> runningPostmaster() throws IOException {
        Path pidFile = directory.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresServer[" + directory + (port == 0 ? "" : ", port " + port) + "]";
    }
}
