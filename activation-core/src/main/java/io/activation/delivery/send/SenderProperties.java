package io.activation.delivery.send;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Sender runtime settings: {@code activation.delivery.sending.*} for all channels and
 * {@code activation.delivery.channels.<channel>.*} for one channel's limits.
 *
 * @param sending what applies to every channel
 * @param channels limits by channel name; a channel not listed gets {@link Sending#concurrency()} and no rate limit
 */
@Validated
@ConfigurationProperties("activation.delivery")
public record SenderProperties(@DefaultValue @Valid Sending sending, Map<String, @Valid ChannelLimits> channels) {

    public SenderProperties {
        channels = channels == null ? Map.of() : Map.copyOf(channels);
    }

    /** The limits of a channel: its own entry, or the defaults. */
    public ChannelLimits limits(String channel) {
        ChannelLimits own = channels.get(channel);
        return own == null ? new ChannelLimits(0, sending.concurrency(), InDoubt.HOLD)
                : new ChannelLimits(own.ratePerSecond(), own.concurrency() == null ? sending.concurrency()
                        : own.concurrency(), own.inDoubt());
    }

    /**
     * @param consumerGroupPrefix the consumer group of a channel is this prefix followed by the channel name
     * @param deadLetterSuffix the dead-letter topic of a channel is its topic followed by this suffix
     * @param maxAttempts attempts (provider calls) before a delivery answered "retry" every time is dead-lettered
     * @param backoffInitial the delay after the first transient failure without {@code Retry-After}; each further
     *     failure doubles it, up to {@code backoffMax}; the delay drawn is between half of it and all of it (jitter)
     * @param backoffMax the longest delay between attempts (also caps a provider's {@code Retry-After})
     * @param retryPollInterval how often (real time) the retry poller looks for due retries
     * @param retryBatchSize due retries taken per poll
     * @param retryLease how long a due retry taken by a poller is hidden from other pollers; a node that dies
     *     meanwhile leaves it to be taken again after this
     * @param pollRecords Kafka records per poll of a channel's consumer; offsets are committed once every
     *     delivery of a poll is marked
     * @param concurrency provider calls in flight per channel and node, unless the channel sets its own
     * @param consumers Kafka consumers (threads) per channel and node; they share the channel's {@code concurrency},
     *     so while one waits for the last answers of its poll before committing it, another's poll keeps the
     *     provider calls busy
     * @param markLinger how long the runtime's mark thread waits after the first answer of a round for more (up to
     *     200 outcomes) before it marks them in one transaction: a mark transaction's fixed cost (begin, three
     *     statements, commit) was most of the marking CPU when answers came in one or two at a time; 0 marks at once
     * @param fetchMinBytes the channel consumers' {@code fetch.min.bytes}: the broker answers a fetch once this much
     *     is there or {@code fetchMaxWait} has passed. While dispatches trickle in, a fetch then carries several
     *     records instead of one (fewer fetch requests and responses for the broker); 1 answers at once
     * @param fetchMaxWait the channel consumers' {@code fetch.max.wait.ms}: the most a dispatched record can wait at
     *     the broker for {@code fetchMinBytes} to fill up (added latency only when traffic is below that)
     */
    public record Sending(
            @DefaultValue("activation-sender-") @NotBlank String consumerGroupPrefix,
            @DefaultValue(".dlt") @NotBlank String deadLetterSuffix,
            @DefaultValue("5") @Min(1) @Max(100) int maxAttempts,
            @DefaultValue("30s") Duration backoffInitial,
            @DefaultValue("1h") Duration backoffMax,
            @DefaultValue("1s") Duration retryPollInterval,
            @DefaultValue("200") @Min(1) @Max(10000) int retryBatchSize,
            @DefaultValue("5m") Duration retryLease,
            @DefaultValue("500") @Min(1) @Max(10000) int pollRecords,
            @DefaultValue("64") @Min(1) @Max(1024) int concurrency,
            @DefaultValue("2") @Min(1) @Max(64) int consumers,
            @DefaultValue("20ms") Duration markLinger,
            @DefaultValue("1") @Min(1) int fetchMinBytes,
            @DefaultValue("500ms") Duration fetchMaxWait) {

        public Sending {
            markLinger = markLinger == null || markLinger.isNegative() ? Duration.ZERO : markLinger;
            fetchMaxWait = fetchMaxWait == null || fetchMaxWait.isNegative() ? Duration.ofMillis(500) : fetchMaxWait;
        }
    }

    /**
     * @param ratePerSecond provider calls per second per node (a token bucket holding one second's worth); 0 for
     *     no limit. A batch sender's call counts once per message.
     * @param concurrency provider calls in flight at once per node, or null for {@link Sending#concurrency()}
     * @param inDoubt what a delivery found claimed but not marked (a crash during the provider call) becomes:
     *     {@code hold} (the default: marked in_doubt, never sent again; at most once) or {@code resend} (sent
     *     again; only for providers that drop a second message with the same message key)
     */
    public record ChannelLimits(@DefaultValue("0") @PositiveOrZero double ratePerSecond,
            @Min(1) @Max(1024) Integer concurrency, @DefaultValue("hold") InDoubt inDoubt) {

        public ChannelLimits {
            inDoubt = inDoubt == null ? InDoubt.HOLD : inDoubt;
        }
    }

    /** What a delivery left claimed by a crash becomes. */
    public enum InDoubt { HOLD, RESEND }
}
