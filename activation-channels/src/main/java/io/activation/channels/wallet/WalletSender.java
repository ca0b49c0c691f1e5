package io.activation.channels.wallet;

import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wallet channel's sender. The "address" is fixed ({@value #ADDRESS}): the sender finds the contact's pass
 * itself. It issues the contact's pass of the template's style ({@value Content#PASS_TYPE} {@code loyalty} or
 * {@code coupon}, {@value Content#DESCRIPTION}, data = pass fields) or updates it, and when an existing pass
 * changed it notifies every registered device through APNs; a device APNs calls unregistered loses its
 * registration. Saving is idempotent, so a retry after a failed notification only notifies again.
 */
public final class WalletSender implements ChannelSender {

    public static final String CHANNEL = "wallet";
    public static final String ADDRESS = "wallet";

    private static final Logger log = LoggerFactory.getLogger(WalletSender.class);

    private final WalletPasses passes;
    private final PassFactory factory;
    private final ApnsNotifier apns;
    private final String passTypeIdentifier;

    public WalletSender(WalletPasses passes, PassFactory factory, ApnsNotifier apns,
            WalletChannelProperties properties) {
        this.passes = passes;
        this.factory = factory;
        this.apns = apns;
        this.passTypeIdentifier = properties.passTypeIdentifier();
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public String fixedAddress() {
        return ADDRESS;
    }

    @Override
    public SendResult send(OutboundMessage message) {
        PassStyle style = PassStyle.parse(message.content().part(Content.PASS_TYPE));
        if (style == null) {
            return new SendResult.Rejected("the template's passType must be loyalty or coupon, not '"
                    + message.content().part(Content.PASS_TYPE) + "'", SendResult.Failure.OTHER);
        }
        String description = message.content().part(Content.DESCRIPTION);
        if (description == null || description.isBlank()) {
            description = style == PassStyle.COUPON ? "Coupon" : "Loyalty card";
        }
        if (description.length() > 500) {
            return new SendResult.Rejected("the pass description is longer than 500 characters",
                    SendResult.Failure.OTHER);
        }
        String refusal = factory.refusal(style, message.content().data());
        if (refusal != null) {
            return new SendResult.Rejected(refusal, SendResult.Failure.OTHER);
        }
        WalletPasses.Saved saved = passes.issueOrUpdate(passTypeIdentifier, message.contactId(), style,
                description, message.content().data());
        String serial = saved.pass().serialNumber();
        boolean notify = saved.change() == WalletPasses.Change.UPDATED
                || saved.change() == WalletPasses.Change.UNCHANGED && message.attempt() > 1;
        if (!notify) {
            // A new pass has no devices yet; an unchanged one has nothing to tell (unless this retries a failed
            // notification).
            return new SendResult.Accepted(serial);
        }
        List<String> failures = new ArrayList<>();
        for (WalletPasses.Registration r : passes.registrations(passTypeIdentifier, serial)) {
            ApnsNotifier.Outcome outcome = apns.notifyUpdate(r.pushToken(), passTypeIdentifier);
            if (outcome instanceof ApnsNotifier.Outcome.Unregistered gone) {
                int removed = passes.removePushToken(passTypeIdentifier, r.pushToken());
                log.info("APNs: device {} is unregistered ({}); {} registration(s) removed",
                        r.deviceLibraryIdentifier(), gone.reason(), removed);
            } else if (outcome instanceof ApnsNotifier.Outcome.Failed failed) {
                failures.add(failed.reason());
            }
        }
        if (!failures.isEmpty()) {
            // The pass is saved; devices that were not told fetch it on their next check. A retry tells them now.
            return new SendResult.Retry(failures.size() + " device(s) not notified: " + failures.get(0), null);
        }
        return new SendResult.Accepted(serial);
    }
}
