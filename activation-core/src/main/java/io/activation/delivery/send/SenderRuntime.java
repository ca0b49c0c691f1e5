package io.activation.delivery.send;

import io.activation.delivery.ChannelFallback;
import io.activation.delivery.spi.ChannelSender;
import io.activation.ingest.ChangeEvents;
import io.activation.template.MessageRenderer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.BatchAcknowledgingMessageListener;
import org.springframework.kafka.listener.CommonContainerStoppingErrorHandler;
import org.springframework.kafka.listener.CommonDelegatingErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.util.backoff.FixedBackOff;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.json.JsonMapper;

/**
 * The runtime of one channel: a Kafka consumer of the channel's group on its topic, a retry poller, and the worker
 * that renders, claims, sends and marks. {@link SenderRuntimes} builds one per {@link ChannelSender} bean (role
 * {@code senders}); tests and benchmarks build their own on a topic and group of their own.
 *
 * <p>On every start, rows of the channel still in {@code sending} are swept first: a previous run stopped between
 * claim and mark, the provider may have accepted them, so they become {@code in_doubt} (or, for a channel set to
 * {@code in-doubt: resend}, retries). Offsets are committed once every delivery of a poll is marked; a record read
 * again after a crash finds its delivery sent, in doubt or retrying, and does nothing.
 */
public final class SenderRuntime implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SenderRuntime.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ChannelSender sender;
    private final DeliveryLedger ledger;
    private final ConsumerFactory<?, ?> kafka;
    private final String topic;
    private final String consumerGroup;
    private final SenderProperties.Sending sending;
    private final SenderProperties.ChannelLimits limits;
    private final Duration retryPollInterval;
    private final ExecutorService pool;
    private final SendWorker worker;
    private volatile ConcurrentMessageListenerContainer<String, byte[]> container;
    private volatile Thread poller;
    private volatile boolean polling;
    private volatile List<Long> lastSweep = List.of();

    private SenderRuntime(Builder b) {
        this.sender = b.sender;
        this.ledger = b.ledger;
        this.kafka = b.kafka;
        this.topic = b.topic;
        this.consumerGroup = b.consumerGroup;
        this.sending = b.sending;
        this.limits = b.limits;
        this.retryPollInterval = b.retryPollInterval;
        String channel = sender.channel();
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "sender-" + channel + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newCachedThreadPool(factory);
        DeliveryLedger.Channel ch = new DeliveryLedger.Channel(channel, topic + sending.deadLetterSuffix(),
                b.maxAttempts, new Backoff(b.backoffInitial, b.backoffMax,
                        () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble()), b.fallback);
        this.worker = new SendWorker(sender, b.renderer, ledger, ch, pool, limits.concurrency(),
                new TokenBucket(limits.ratePerSecond(), System::nanoTime), sending.markLinger());
    }

    public String channel() {
        return sender.channel();
    }

    public String topic() {
        return topic;
    }

    public String consumerGroup() {
        return consumerGroup;
    }

    public String deadLetterTopic() {
        return topic + sending.deadLetterSuffix();
    }

    /** The deliveries the last start found claimed but never marked (in doubt, or resent). */
    public List<Long> lastSweep() {
        return lastSweep;
    }

    /**
     * Where the provider-call permits and the consumers spent their time since the runtime was built (milliseconds
     * per chunk or per poll, the permits' average use): what the sender benchmark reports as the permit cycle.
     */
    public Map<String, Double> cycleStats() {
        return worker.cycleStats();
    }

    /** Whether a sender error halted the channel (it stays stopped until {@link #start} again). */
    public boolean halted() {
        return worker.halted();
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        ConcurrentMessageListenerContainer<String, byte[]> previous = container;
        if (previous != null) {
            // Halted: its consumer stops itself without committing; wait for it to leave the group.
            previous.stop();
            container = null;
        }
        worker.resume();
        lastSweep = ledger.sweepInDoubt(sender.channel(), limits.inDoubt());
        if (!lastSweep.isEmpty()) {
            log.warn("{} deliveries of channel {} were claimed but never marked (in doubt): {}", lastSweep.size(),
                    sender.channel(), lastSweep.size() > 20 ? lastSweep.subList(0, 20) + "..." : lastSweep);
        }
        Map<String, Object> config = new HashMap<>(kafka.getConfigurationProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, consumerGroup);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, consumerGroup);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        // The value's bytes go straight to the streaming parser (no String decoded and copied per record first).
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, sending.pollRecords());
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, sending.fetchMinBytes());
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE,
                sending.fetchMaxWait().toMillis()));
        // A poll is committed when all its deliveries are marked; under a tight rate limit that can take minutes.
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 15 * 60_000);
        ContainerProperties properties = new ContainerProperties(topic);
        // A poll is acknowledged (its offsets committed by the consumer thread at its next turn) once every answer of
        // it is marked, in poll order per consumer; the consumer does not wait for that before its next poll.
        properties.setAckMode(ContainerProperties.AckMode.MANUAL);
        properties.setPollTimeout(200);
        properties.setMessageListener((BatchAcknowledgingMessageListener<String, byte[]>) this::onRecords);
        ConcurrentMessageListenerContainer<String, byte[]> c = new ConcurrentMessageListenerContainer<>(
                new DefaultKafkaConsumerFactory<>(config), properties);
        c.setBeanName(consumerGroup);
        // Several consumers of the group, sharing the worker's permits: a poll is committed only when all its
        // deliveries are marked, so a single consumer left the provider calls idle during each poll's last answers
        // and the next poll's load.
        c.setConcurrency(sending.consumers());
        // The listener throws only when the database is unreachable (retried, the partition waits: nothing can be
        // claimed anyway) or when the channel halted (the container stops without committing, so the records are
        // read again at the next start).
        CommonDelegatingErrorHandler errors = new CommonDelegatingErrorHandler(
                new DefaultErrorHandler(new FixedBackOff(2_000, FixedBackOff.UNLIMITED_ATTEMPTS)));
        errors.addDelegate(SendWorker.HaltedException.class, new CommonContainerStoppingErrorHandler());
        errors.setCauseChainTraversing(true);
        c.setCommonErrorHandler(errors);
        c.start();
        container = c;
        polling = true;
        Thread t = new Thread(this::pollLoop, "sender-retries-" + sender.channel());
        t.setDaemon(true);
        t.start();
        poller = t;
    }

    @Override
    public synchronized void stop() {
        polling = false;
        Thread t = poller;
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        poller = null;
        ConcurrentMessageListenerContainer<String, byte[]> c = container;
        if (c != null) {
            c.stop();
        }
        container = null;
    }

    /** Stops for good and releases the provider-call threads. */
    public void close() {
        stop();
        worker.close();
        pool.shutdown();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        ConcurrentMessageListenerContainer<String, byte[]> c = container;
        return c != null && c.isRunning() && !worker.halted();
    }

    /** Partitions of the channel's topic this runtime holds now. */
    public int assignedPartitions() {
        ConcurrentMessageListenerContainer<String, byte[]> c = container;
        return c == null || c.getAssignedPartitions() == null ? 0 : c.getAssignedPartitions().size();
    }

    /** Sends the retries that are due now (what the poller does every interval); answers how many were claimed. */
    public int pollRetriesOnce() throws InterruptedException {
        List<Long> due = ledger.leaseDue(sender.channel(), sending.retryBatchSize(), sending.retryLease());
        return due.isEmpty() ? 0 : worker.send(due, true);
    }

    /**
     * Per consumer thread: the stage that completes when every poll it has taken so far is marked and acknowledged
     * (in order), and the one of the poll before the current one.
     */
    private final ThreadLocal<java.util.concurrent.CompletableFuture<Void>> acknowledged = new ThreadLocal<>();

    private void onRecords(List<ConsumerRecord<String, byte[]>> records, Acknowledgment ack) {
        List<Long> ids = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            Long id = deliveryIdIn(record.value());
            if (id == null) {
                log.warn("Skipping a record of {} at offset {} of partition {}: not a {} CloudEvent with a"
                        + " deliveryId", record.topic(), record.offset(), record.partition(), SendEvents.DISPATCHED);
            } else {
                ids.add(id);
            }
        }
        try {
            SendWorker.Dispatched dispatched = worker.dispatch(ids, false);
            // Every record of the poll reached the provider (or needed not): its offsets may be committed once the
            // answers are marked, and only after the polls before it (a commit covers everything before its
            // offset). The consumer polls again meanwhile; it waits only for the previous poll's marks, so at most
            // two polls' answers per consumer are on their way to the ledger.
            java.util.concurrent.CompletableFuture<Void> before = acknowledged.get();
            java.util.concurrent.CompletableFuture<Void> mine = (before == null
                    ? dispatched.marked() : before.thenCombine(dispatched.marked(), (a, b) -> (Void) null))
                    .whenComplete((done, error) -> {
                        if (error == null) {
                            ack.acknowledge();
                        } else {
                            // Not acknowledged: the records are read again after a restart or rebalance and find
                            // their deliveries marked or in doubt. Later polls wait for nothing (see handle).
                            log.warn("Marks of a {} poll failed; its offsets are not committed: {}",
                                    sender.channel(), error.toString());
                        }
                    })
                    .handle((done, error) -> null);
            acknowledged.set(mine);
            if (before != null) {
                MarkBatcher.await(before);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending", e);
        } catch (SendWorker.HaltedException e) {
            stopPollerAsync();
            throw e;
        }
    }

    /**
     * The delivery id of a dispatched CloudEvent, or null when the record is not one. Read with the streaming parser,
     * stopping at what it needs: building the whole tree of every record was a visible share of the consumer
     * thread's time in the sender benchmark's profile.
     */
    static Long deliveryId(String value) {
        return value == null ? null : deliveryIdIn(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** As {@link #deliveryId(String)}, from the record's UTF-8 bytes. */
    static Long deliveryIdIn(byte[] value) {
        if (value == null) {
            return null;
        }
        try (JsonParser p = JSON.createParser(value)) {
            return ChangeEvents.longInData(p, SendEvents.DISPATCHED, "deliveryId");
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void pollLoop() {
        while (polling) {
            try {
                int n = pollRetriesOnce();
                if (n < sending.retryBatchSize()) {
                    Thread.sleep(retryPollInterval.toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (SendWorker.HaltedException e) {
                polling = false;
                ConcurrentMessageListenerContainer<String, byte[]> c = container;
                if (c != null) {
                    c.stop(() -> { });
                }
                return;
            } catch (RuntimeException e) {
                if (!polling) {
                    return;
                }
                log.warn("Retry poll of {} failed, trying again: {}", sender.channel(), e.toString());
                try {
                    Thread.sleep(Math.max(1_000, retryPollInterval.toMillis()));
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void stopPollerAsync() {
        polling = false;
        Thread t = poller;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Builds a runtime; {@link SenderRuntimes#builder} fills in the platform's parts and defaults. */
    public static final class Builder {
        private final ChannelSender sender;
        private final DeliveryLedger ledger;
        private final ConsumerFactory<?, ?> kafka;
        private final SenderProperties.Sending sending;
        private MessageRenderer renderer;
        private ChannelFallback fallback;
        private String topic;
        private String consumerGroup;
        private SenderProperties.ChannelLimits limits;
        private int maxAttempts;
        private Duration backoffInitial;
        private Duration backoffMax;
        private Duration retryPollInterval;

        Builder(ChannelSender sender, DeliveryLedger ledger, ConsumerFactory<?, ?> kafka, SenderProperties properties,
                String topic, MessageRenderer renderer, ChannelFallback fallback) {
            this.sender = Objects.requireNonNull(sender, "sender");
            this.ledger = ledger;
            this.kafka = kafka;
            this.sending = properties.sending();
            this.renderer = renderer;
            this.fallback = fallback;
            this.topic = topic;
            this.consumerGroup = sending.consumerGroupPrefix() + sender.channel();
            this.limits = properties.limits(sender.channel());
            this.maxAttempts = sending.maxAttempts();
            this.backoffInitial = sending.backoffInitial();
            this.backoffMax = sending.backoffMax();
            this.retryPollInterval = sending.retryPollInterval();
        }

        public Builder renderer(MessageRenderer renderer) {
            this.renderer = renderer;
            return this;
        }

        /** Who hears of rejected and dead deliveries; null for nobody. */
        public Builder fallback(ChannelFallback fallback) {
            this.fallback = fallback;
            return this;
        }

        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        public Builder consumerGroup(String consumerGroup) {
            this.consumerGroup = consumerGroup;
            return this;
        }

        public Builder limits(SenderProperties.ChannelLimits limits) {
            SenderProperties.ChannelLimits l = Objects.requireNonNull(limits, "limits");
            this.limits = new SenderProperties.ChannelLimits(l.ratePerSecond(),
                    l.concurrency() == null ? sending.concurrency() : l.concurrency(), l.inDoubt());
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder backoff(Duration initial, Duration max) {
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        public Builder retryPollInterval(Duration interval) {
            this.retryPollInterval = interval;
            return this;
        }

        public SenderRuntime build() {
            if (renderer == null) {
                throw new IllegalStateException("no MessageRenderer for the " + sender.channel() + " sender");
            }
            return new SenderRuntime(this);
        }
    }
}
