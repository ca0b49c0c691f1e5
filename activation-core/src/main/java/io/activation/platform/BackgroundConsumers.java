package io.activation.platform;

/**
 * Fetch settings of the consumer groups on {@code activation.events} that no one waits for: segment membership,
 * score rules, the reference fan-out and attribution ({@code @KafkaListener(properties = ...)}). Each of them is a
 * consumer group of its own that reads every event of the topic, and each fetch it makes, and the offset commit after
 * each poll that brought records, is a request the broker handles, a delayed fetch it parks and completes, and an
 * offset record the group coordinator writes. Those costs go with the number of fetches, not with the number of
 * records, so these groups fetch rarely and in large polls: a fetch is answered once {@code
 * activation.kafka.background.fetch-min-bytes} (default 256 KiB, several hundred events) are there or after {@code
 * activation.kafka.background.fetch-max-wait-ms} (default 500 ms, Kafka's own default), whichever comes first. A lone
 * event reaches these listeners at most that much later; the journey engine and arbitration, which are on the way of
 * a message, keep their own short wait ({@link KafkaLanes}). Placeholders, so an operator can set both
 * ({@code docs/operator-guide.md}).
 */
public final class BackgroundConsumers {

    /** {@code fetch.min.bytes} of the background groups. */
    public static final String FETCH_MIN_BYTES =
            "fetch.min.bytes=${activation.kafka.background.fetch-min-bytes:262144}";
    /** {@code fetch.max.wait.ms} of the background groups: the most a lone event waits. */
    public static final String FETCH_MAX_WAIT_MS =
            "fetch.max.wait.ms=${activation.kafka.background.fetch-max-wait-ms:500}";

    private BackgroundConsumers() {
    }
}
