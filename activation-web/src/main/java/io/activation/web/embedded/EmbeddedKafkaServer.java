package io.activation.web.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Apache Kafka broker in KRaft mode, run inside this JVM from Kafka's own server jars: one
 * {@link KafkaRaftServer} that is both broker and controller (what {@code kafka-server-start.sh} runs with
 * {@code process.roles=broker,controller}).
 *
 * <p>Storage lives in one directory, formatted once like {@code kafka-storage.sh format} would (a fresh cluster id
 * in {@code meta.properties}); later starts, in this JVM or the next, find it formatted and reuse it with all its
 * topics, records and committed offsets. The quorum is static ({@code controller.quorum.voters}), so nothing in the
 * stored metadata pins the controller's port.
 *
 * <p>The client listener is PLAINTEXT on 127.0.0.1. A configured port of 0 means "a free port, picked at the first
 * {@link #start()}"; that port is kept for every later restart of this instance, so clients configured with
 * {@link #bootstrapServers()} reconnect after a {@link #stop()} / {@link #start()} cycle.
 *
 * <p>Not a Spring bean and not a singleton: {@link EmbeddedServices} holds the JVM's shared instance.
 */
public final class EmbeddedKafkaServer implements AutoCloseable {

    public static final int NODE_ID = 1;
    public static final String BROKER_LISTENER = "PLAINTEXT";
    public static final String CONTROLLER_LISTENER = "CONTROLLER";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaServer.class);
    private static final String HOST = "127.0.0.1";

    private final Path directory;
    private final int configuredPort;
    private int brokerPort;
    private int controllerPort;
    private KafkaRaftServer server;
    private boolean formatted;

    /**
     * @param directory the broker's log directory (also its metadata log directory)
     * @param port      the client (PLAINTEXT) port on 127.0.0.1, or 0 for a free one picked at first start
     */
    public EmbeddedKafkaServer(Path directory, int port) {
        this.directory = directory.toAbsolutePath().normalize();
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Not a TCP port: " + port);
        }
        this.configuredPort = port;
    }

    /**
     * Starts the broker, formatting its directory first if it has never been formatted; returns once the broker
     * serves clients. No-op when running.
     */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        if (brokerPort == 0) {
            brokerPort = EmbeddedPorts.resolve(configuredPort);
        }
        if (controllerPort == 0) {
            controllerPort = EmbeddedPorts.freePort();
        }
        KafkaRaftServer candidate = null;
        try {
            Files.createDirectories(directory);
            formatted = formatIfNeeded();
            candidate = new KafkaRaftServer(KafkaConfig.fromProps(brokerProperties()), Time.SYSTEM);
            candidate.startup();
            server = candidate;
        } catch (Exception e) {
            if (candidate != null) {
                shutDown(candidate);
            }
            throw new IllegalStateException("Embedded Kafka did not start on " + bootstrapServers() + " with data in "
                    + directory, e);
        }
    }

    /** Stops the broker and waits until it has released its port and directory; no-op when not running. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            shutDown(server);
        } finally {
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** {@code 127.0.0.1:port}, known from the first {@link #start()} on (or from construction for a fixed port). */
    public synchronized String bootstrapServers() {
        int port = brokerPort != 0 ? brokerPort : configuredPort;
        if (port == 0) {
            throw new IllegalStateException("Embedded Kafka has not been started yet");
        }
        return HOST + ":" + port;
    }

    /** Whether the last {@link #start()} had to format the directory (a new, empty cluster). */
    public synchronized boolean formattedStorage() {
        return formatted;
    }

    /** The broker's log directory. */
    public Path directory() {
        return directory;
    }

    /** The cluster id stored in the directory, once formatted. */
    public String clusterId() {
        Path metaProperties = directory.resolve("meta.properties");
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(metaProperties, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Kafka's directory " + directory + " is not formatted yet", e);
        }
        return properties.getProperty("cluster.id");
    }

    private static void shutDown(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    private boolean formatIfNeeded() throws Exception {
        if (Files.exists(directory.resolve("meta.properties"))) {
            return false;
        }
        String clusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(printStream)
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(directory.toString()))
                    .setMetadataLogDirectory(directory.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .run();
        }
        log.info("Formatted Kafka storage in {} for new cluster {}", directory, clusterId);
        log.debug("Kafka storage formatter said: {}", output.toString(StandardCharsets.UTF_8).trim());
        return true;
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("log.dirs", directory.toString());
        p.put("metadata.log.dir", directory.toString());

        // One node: every internal topic has one replica, and one in-sync replica is enough.
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // Fewer internal partitions than the 50 default: each is a directory with open files, and one node
        // gains nothing from spreading coordinators. Fixed for good once the topics exist.
        p.put("offsets.topic.num.partitions", "10");
        p.put("transaction.state.log.num.partitions", "10");

        p.put("auto.create.topics.enable", "true");
        p.put("num.partitions", "6");
        p.put("group.initial.rebalance.delay.ms", "0");
        // After an unclean stop (kill -9) the controller refuses the broker's new registration until the old
        // session expires: 9 s by default, paid on every such restart. Both run in this JVM, so a short one is safe.
        p.put("broker.session.timeout.ms", "3000");
        p.put("broker.heartbeat.interval.ms", "1000");

        // A developer's box: small segments and indexes, a week of retention, a few threads, a small cleaner buffer.
        p.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        p.put("log.index.size.max.bytes", Integer.toString(1024 * 1024));
        p.put("log.retention.hours", "168");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("num.replica.fetchers", "1");
        return p;
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaServer[" + directory + (brokerPort == 0 ? "" : ", " + HOST + ":" + brokerPort) + "]";
    }
}
