package io.activation.channels.sms;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Twilio settings ({@code activation.channels.sms.twilio.*}); the SMS sender exists only when the account SID is
 * set.
 *
 * @param accountSid the account SID ({@code AC...}), the user name of the API's Basic auth
 * @param authToken the auth token: the API password and the key of the webhook signatures
 * @param messagingServiceSid the Messaging Service ({@code MG...}) that picks the sender number, handles opt-outs
 *     and queues to the carriers' rate
 * @param statusCallbackBaseUrl the public URL at which Twilio reaches this application (e.g.
 *     {@code https://activation.example.com}); status callbacks go to {@code <base>/webhooks/twilio/status}, the
 *     Messaging Service's inbound webhook is {@code <base>/webhooks/twilio/inbound}, and signatures are checked
 *     against these URLs
 */
@Validated
@ConfigurationProperties("activation.channels.sms.twilio")
public record TwilioProperties(
        @NotBlank @Pattern(regexp = "AC[0-9a-fA-F]{32}", message = "must be an account SID: AC + 32 hex digits")
        String accountSid,
        @NotBlank String authToken,
        @NotBlank @Pattern(regexp = "MG[0-9a-fA-F]{32}", message = "must be a Messaging Service SID: MG + 32 hex digits")
        String messagingServiceSid,
        @NotBlank @Pattern(regexp = "https?://[^?#]+", message = "must be an http(s) URL without query")
        String statusCallbackBaseUrl) {

    public TwilioProperties {
        if (statusCallbackBaseUrl != null && statusCallbackBaseUrl.endsWith("/")) {
            statusCallbackBaseUrl = statusCallbackBaseUrl.substring(0, statusCallbackBaseUrl.length() - 1);
        }
    }
}
