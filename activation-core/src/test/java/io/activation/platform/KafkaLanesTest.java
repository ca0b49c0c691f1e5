package io.activation.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

class KafkaLanesTest {

    private static final String BOOTSTRAP = ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG;

    @Test
    void aLaneFetchesInBatchesWithABoundedWait() {
        Map<String, Object> config = KafkaLanes.consumerConfig(Map.of(BOOTSTRAP, "localhost:1"), "group", "lane",
                500);
        assertThat(config).containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, KafkaLanes.FETCH_MIN_BYTES)
                .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, KafkaLanes.FETCH_MAX_WAIT_MS)
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500)
                .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "group")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(BOOTSTRAP, "localhost:1");
    }

    @Test
    void theOperatorsFetchSettingsWin() {
        // spring.kafka.consumer.fetch-min-size / fetch-max-wait arrive in Boot's consumer settings.
        Map<String, Object> config = KafkaLanes.consumerConfig(Map.of(BOOTSTRAP, "localhost:1",
                ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500), "group",
                "lane", 500);
        assertThat(config).containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1)
                .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
    }
}
