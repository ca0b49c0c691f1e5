package io.activation.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.kafka.annotation.KafkaListener;

class BackgroundConsumersTest {

    private static final List<String> LISTENERS = List.of("io.activation.segment.MembershipListener",
            "io.activation.segment.value.ScoreRulesListener", "io.activation.journey.source.ReferenceFanoutListener",
            "io.activation.tracking.AttributionListener");

    @Test
    void theFourBackgroundGroupsFetchWithTheBackgroundSettings() throws Exception {
        for (String name : LISTENERS) {
            List<String> properties = new ArrayList<>();
            for (Method m : Class.forName(name).getDeclaredMethods()) {
                KafkaListener listener = m.getAnnotation(KafkaListener.class);
                if (listener != null) {
                    properties.addAll(List.of(listener.properties()));
                }
            }
            assertThat(properties).as(name).contains(BackgroundConsumers.FETCH_MIN_BYTES,
                    BackgroundConsumers.FETCH_MAX_WAIT_MS);
        }
    }

    @Test
    void defaultsAreLargeFetchesAtKafkasDefaultWaitAndTheOperatorCanSetBoth() {
        StandardEnvironment defaults = new StandardEnvironment();
        assertThat(defaults.resolvePlaceholders(BackgroundConsumers.FETCH_MIN_BYTES))
                .isEqualTo("fetch.min.bytes=262144");
        assertThat(defaults.resolvePlaceholders(BackgroundConsumers.FETCH_MAX_WAIT_MS))
                .isEqualTo("fetch.max.wait.ms=500");

        StandardEnvironment set = new StandardEnvironment();
        set.getPropertySources().addFirst(new MapPropertySource("operator", Map.of(
                "activation.kafka.background.fetch-min-bytes", "1",
                "activation.kafka.background.fetch-max-wait-ms", "100")));
        assertThat(set.resolvePlaceholders(BackgroundConsumers.FETCH_MIN_BYTES)).isEqualTo("fetch.min.bytes=1");
        assertThat(set.resolvePlaceholders(BackgroundConsumers.FETCH_MAX_WAIT_MS)).isEqualTo("fetch.max.wait.ms=100");
    }
}
