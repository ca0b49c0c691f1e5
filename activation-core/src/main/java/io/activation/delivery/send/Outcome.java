package io.activation.delivery.send;

import io.activation.delivery.spi.SendResult;

/**
 * What became of one claimed delivery: the provider's answer, or {@code unknown} when the sender threw (the
 * provider may or may not have taken it).
 *
 * @param attempt the attempt number the claim gave it; the mark applies only while the row still has it
 */
record Outcome(PendingDelivery delivery, int attempt, SendResult result, Throwable unknown) {

    static Outcome of(PendingDelivery delivery, int attempt, SendResult result) {
        return new Outcome(delivery, attempt, result, null);
    }

    static Outcome unknown(PendingDelivery delivery, int attempt, Throwable error) {
        return new Outcome(delivery, attempt, null, error);
    }
}
