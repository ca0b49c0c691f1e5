package io.activation.channels.push;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * FCM settings ({@code activation.channels.push.fcm.*}); the push sender exists only when the credentials file is
 * set.
 *
 * @param credentialsFile path of the Firebase service-account JSON key (Firebase console, Project settings, Service
 *     accounts, Generate new private key)
 * @param projectId the Firebase project; when empty, the {@code project_id} of the service account
 */
@Validated
@ConfigurationProperties("activation.channels.push.fcm")
public record FcmProperties(@NotBlank String credentialsFile, String projectId) {

    public FcmProperties {
        projectId = projectId == null || projectId.isBlank() ? null : projectId.trim();
    }
}
