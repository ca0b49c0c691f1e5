package io.activation.journey.webhook;

import java.time.Duration;

/**
 * What one webhook call came to.
 *
 * @param status the HTTP status, or 0 when no response arrived (refused target, timeout, connection error)
 * @param ok whether the receiver answered 2xx
 * @param error why the call failed, or null when it succeeded
 * @param duration wall time from start to the end of reading the answer
 * @param body the answer's body as text, at most the configured response size (cut there)
 */
public record WebhookResult(int status, boolean ok, String error, Duration duration, String body) {

    static WebhookResult failed(String error, Duration duration) {
        return new WebhookResult(0, false, error, duration, "");
    }
}
