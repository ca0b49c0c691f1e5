package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The settings as application.yml writes them bind to what arbitration expects. */
class DeliveryPropertiesTest {

    private static DeliveryProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("activation.delivery",
                DeliveryProperties.class);
    }

    @Test
    void defaultsAndAnEmptyChannelList() {
        DeliveryProperties p = bind(Map.of("activation.delivery.assume-channels", "",
                "activation.delivery.postal-address-attributes", "street,postal_code,city"));
        assertThat(p.assumeChannels()).isEmpty();
        assertThat(p.postalAddressAttributes()).containsExactly("street", "postal_code", "city");
        assertThat(p.arbitrationWindow()).isEqualTo(Duration.ofMinutes(1));
        assertThat(p.consumerGroup()).isEqualTo("activation-delivery");
        assertThat(p.channelTopic("sms")).isEqualTo("activation.messages.sms");
        assertThat(bind(Map.of("activation.delivery.assume-channels", "email, sms")).assumeChannels())
                .containsExactly("email", "sms");
    }
}
