package io.activation.delivery.device;

import java.time.Instant;

/**
 * A registered push token of one app installation of a contact.
 *
 * @param token the FCM registration token
 * @param contactId the contact it belongs to
 * @param platform android, ios or web
 * @param appId the app (package name, bundle id or web app), may be null
 * @param createdAt when it was first registered
 * @param lastSeenAt when the app last registered or refreshed it
 */
public record DeviceToken(String token, long contactId, DevicePlatform platform, String appId, Instant createdAt,
        Instant lastSeenAt) {}
