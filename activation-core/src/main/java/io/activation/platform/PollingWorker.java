package io.activation.platform;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon thread that polls: it runs a step at once again while the step finds a full batch, sleeps the idle
 * interval otherwise, and after a failure logs it and waits a second before the next try. The one loop of the
 * platform's database pollers (journey timers, deferred arbitration).
 */
public final class PollingWorker {

    private static final Logger log = LoggerFactory.getLogger(PollingWorker.class);

    /** One poll; answers true when it found a full batch (more may be waiting: poll again at once). */
    @FunctionalInterface
    public interface Step {
        boolean poll() throws InterruptedException;
    }

    private final String name;
    private final Step step;
    private final Supplier<Duration> idle;
    private volatile boolean running;
    private volatile Thread worker;

    public PollingWorker(String name, Step step, Supplier<Duration> idle) {
        this.name = name;
        this.step = step;
        this.idle = idle;
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        worker = new Thread(this::loop, name);
        worker.setDaemon(true);
        worker.start();
    }

    /** Stops the thread and waits up to five seconds for the poll under way. */
    public synchronized void stop() {
        running = false;
        Thread t = worker;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        worker = null;
    }

    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            try {
                if (!step.poll()) {
                    Thread.sleep(idle.get().toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("{}: poll failed, retrying: {}", name, e.toString());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
