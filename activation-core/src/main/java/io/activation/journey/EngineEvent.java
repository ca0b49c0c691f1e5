package io.activation.journey;

import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * One record of {@code activation.events} as the engine sees it: CloudEvents id and type, the contact it concerns,
 * and its {@code data}.
 */
public record EngineEvent(UUID id, String type, long contactId, JsonNode data) {

    public static final String EVENT_RECORDED = "io.activation.event.recorded";
    public static final String ROW_CREATED = "io.activation.row.created";
    public static final String ROW_UPDATED = "io.activation.row.updated";
    public static final String REFERENCE_CHANGED = "io.activation.row.reference-changed";
    public static final String CONTACT_CREATED = "io.activation.contact.created";
    public static final String CONTACT_UPDATED = "io.activation.contact.updated";
    public static final String CONSENT_CHANGED = "io.activation.consent.changed";
    public static final String SEGMENT_ENTERED = "io.activation.segment.entered";
    public static final String SEGMENT_EXITED = "io.activation.segment.exited";
    /** Published by the timer poller: a durable timer is due. */
    public static final String TIMER_FIRED = "io.activation.journey.timer-fired";
    /**
     * Published by the timer poller: several due timers of contacts whose records share one partition, in
     * {@code data.timers} (each {@code timerId, instanceId, contactId, stepId}); the engine applies each as a
     * {@link #TIMER_FIRED} of its contact.
     */
    public static final String TIMERS_FIRED = "io.activation.journey.timers-fired";
    /** Published by the trigger endpoint: an API call starts a scenario for a contact. */
    public static final String TRIGGERED = "io.activation.journey.triggered";
    /** Published by the trigger scheduler: an occurrence of a scenario's date trigger has come for a contact. */
    public static final String DATE_REACHED = "io.activation.journey.date-reached";
    /** Published by the trigger scheduler: an occurrence of a scenario's schedule, for one segment member. */
    public static final String SCHEDULED = "io.activation.journey.scheduled";
}
