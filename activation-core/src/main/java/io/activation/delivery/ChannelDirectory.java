package io.activation.delivery;

import io.activation.delivery.spi.ChannelSender;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Which channels can be delivered on: those with a {@link ChannelSender} bean in this process, and those
 * {@code activation.delivery.assume-channels} names (their senders run in another process, or in tests none does).
 * Senders are looked up on first use, not at construction, so a sender may itself depend on delivery.
 */
@Component
public class ChannelDirectory {

    private final ObjectProvider<ChannelSender> senders;
    private final Set<String> assumed;
    private volatile Map<String, ChannelSender> byChannel;

    ChannelDirectory(ObjectProvider<ChannelSender> senders, DeliveryProperties properties) {
        this.senders = senders;
        this.assumed = Set.copyOf(properties.assumeChannels());
    }

    public boolean available(String channel) {
        return assumed.contains(channel) || senders().containsKey(channel);
    }

    /** The address every delivery of the channel goes to (webhook endpoint, wallet), when its sender has one. */
    public Optional<String> fixedAddress(String channel) {
        ChannelSender sender = senders().get(channel);
        return sender == null ? Optional.empty() : Optional.ofNullable(sender.fixedAddress());
    }

    private Map<String, ChannelSender> senders() {
        Map<String, ChannelSender> map = byChannel;
        if (map == null) {
            map = new HashMap<>();
            for (ChannelSender s : (Iterable<ChannelSender>) senders.orderedStream()::iterator) {
                map.putIfAbsent(s.channel(), s);
            }
            byChannel = Map.copyOf(map);
            map = byChannel;
        }
        return map;
    }
}
