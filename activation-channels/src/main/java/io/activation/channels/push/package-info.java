/**
 * The push channel through Firebase Cloud Messaging (HTTP v1, Firebase Admin SDK):
 * {@link io.activation.channels.push.FcmPushSender} sends a notification (title, body, image) and a data map to
 * each device token, in batches. Present only when {@code activation.channels.push.fcm.credentials-file} is set.
 */
package io.activation.channels.push;
