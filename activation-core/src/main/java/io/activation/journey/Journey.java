package io.activation.journey;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * A live journey inside the engine's transaction: where it stands in its scenario version and how far it went.
 * Its methods keep the invariants: a step entered counts an occurrence (the effect key of that visit), a waiting
 * journey has exactly one timer, an ended journey takes no further step.
 */
final class Journey {

    enum Status { RUNNING, WAITING, HELD, COMPLETED, EXITED }

    long id;
    final long scenarioId;
    int version;
    final long contactId;
    Status status;
    String currentStep;
    int seq;
    Long timer;
    String waitingEvent;
    final String triggerKey;
    final JsonNode triggerData;
    final Instant startedAt;
    ScenarioDefinition definition;

    Journey(long id, long scenarioId, int version, long contactId, Status status, String currentStep, int seq,
            Long timer, String triggerKey, JsonNode triggerData, Instant startedAt, ScenarioDefinition definition) {
        this.id = id;
        this.scenarioId = scenarioId;
        this.version = version;
        this.contactId = contactId;
        this.status = status;
        this.currentStep = currentStep;
        this.seq = seq;
        this.timer = timer;
        this.triggerKey = triggerKey;
        this.triggerData = triggerData;
        this.startedAt = startedAt;
        this.definition = definition;
    }

    /** Enters a step: the next occurrence, running. Returns the key of this visit's effects. */
    String enter(String stepId) {
        requireLive();
        seq++;
        currentStep = stepId;
        status = Status.RUNNING;
        timer = null;
        waitingEvent = null;
        return "journey:" + id + ":" + stepId + ":" + seq;
    }

    /** Waits at the current step on a timer (and, for wait-for-event, an event type). */
    void waitOn(long timerId, String eventType) {
        requireLive();
        status = Status.WAITING;
        timer = timerId;
        waitingEvent = eventType;
    }

    /** The wait at the current step is over (its timer fired or its event came); returns the timer it had. */
    Long stopWaiting() {
        Long had = timer;
        timer = null;
        waitingEvent = null;
        return had;
    }

    /** Holds before {@code stepId} while the scenario is paused. */
    void hold(String stepId) {
        requireLive();
        status = Status.HELD;
        currentStep = stepId;
        timer = null;
        waitingEvent = null;
    }

    /** Ends the journey; returns the timer it was waiting on, to cancel. */
    Long end(Status outcome) {
        if (outcome != Status.COMPLETED && outcome != Status.EXITED) {
            throw new IllegalArgumentException("a journey ends completed or exited, not " + outcome);
        }
        requireLive();
        Long had = timer;
        status = outcome;
        timer = null;
        waitingEvent = null;
        return had;
    }

    boolean waitingOn(long timerId) {
        return timer != null && timer == timerId;
    }

    Step step() {
        return definition.step(currentStep);
    }

    String statusName() {
        return status.name().toLowerCase(java.util.Locale.ROOT);
    }

    private void requireLive() {
        if (status == Status.COMPLETED || status == Status.EXITED) {
            throw new IllegalStateException("journey " + id + " has ended");
        }
    }
}
