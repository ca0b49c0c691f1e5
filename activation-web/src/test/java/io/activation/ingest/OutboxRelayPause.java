package io.activation.ingest;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.springframework.context.ApplicationContext;

/**
 * Holds the outbox relay still, so a test can count what its requests append to the outbox before Kafka takes it
 * (the relay deletes what it published). Close it to let the relay run again.
 */
public final class OutboxRelayPause implements AutoCloseable {

    private final OutboxRelay relay;

    private OutboxRelayPause(OutboxRelay relay) {
        this.relay = relay;
    }

    /** Waits until what is waiting now is published (so no send is cut off), then stops the relay. */
    public static OutboxRelayPause pause(ApplicationContext context) {
        Outbox outbox = context.getBean(Outbox.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (outbox.backlog() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("The outbox did not drain within 30 s: " + outbox.backlog() + " waiting");
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        OutboxRelay relay = context.getBean(OutboxRelay.class);
        relay.stop();
        return new OutboxRelayPause(relay);
    }

    @Override
    public void close() {
        if (!relay.isRunning()) {
            relay.start();
        }
    }
}
