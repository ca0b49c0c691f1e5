package io.activation.channels.wallet;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Pass update notifications through APNs (Pushy over HTTP/2): an empty JSON payload to the device's push token,
 * with the pass type ID as {@code apns-topic}, authenticated by the pass type certificate (Wallet does not accept
 * token-based authentication for passes). One client, its connections reused.
 */
public class ApnsNotifier implements AutoCloseable {

    /** What APNs answered for one device. */
    public sealed interface Outcome {
        record Accepted() implements Outcome {}

        /** 410 Unregistered (or 400 BadDeviceToken): the registration is dead. */
        record Unregistered(String reason) implements Outcome {}

        /** Anything else: worth trying again later. */
        record Failed(String reason) implements Outcome {}
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final ApnsClient client;

    public ApnsNotifier(WalletChannelProperties properties) {
        try (InputStream p12 = Files.newInputStream(properties.certificate())) {
            ApnsClientBuilder builder = new ApnsClientBuilder()
                    .setApnsServer(properties.apns().host(), properties.apns().port())
                    .setClientCredentials(p12, properties.certificatePassword())
                    .setConnectionTimeout(Duration.ofSeconds(10));
            if (properties.apns().trustedCertificate() != null) {
                builder.setTrustedServerCertificateChain(properties.apns().trustedCertificate().toFile());
            }
            this.client = builder.build();
        } catch (IOException e) {
            throw new IllegalStateException("the APNs client could not be built: " + e.getMessage(), e);
        }
    }

    /** Tells one device that a pass of {@code passTypeIdentifier} changed. */
    public Outcome notifyUpdate(String pushToken, String passTypeIdentifier) {
        SimpleApnsPushNotification notification = new SimpleApnsPushNotification(pushToken, passTypeIdentifier,
                "{}");
        try {
            PushNotificationResponse<SimpleApnsPushNotification> response = client.sendNotification(notification)
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (response.isAccepted()) {
                return new Outcome.Accepted();
            }
            String reason = response.getRejectionReason().orElse("HTTP " + response.getStatusCode());
            if (response.getStatusCode() == 410 || "Unregistered".equals(reason)
                    || "BadDeviceToken".equals(reason)) {
                return new Outcome.Unregistered(reason);
            }
            return new Outcome.Failed("APNs " + response.getStatusCode() + " " + reason);
        } catch (ExecutionException e) {
            return new Outcome.Failed("APNs unreachable: " + e.getCause());
        } catch (TimeoutException e) {
            return new Outcome.Failed("APNs did not answer within " + TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Failed("interrupted");
        }
    }

    @Override
    public void close() {
        try {
            client.close().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closing anyway
        }
    }
}
