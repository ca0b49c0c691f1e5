/**
 * Journeys: versioned scenarios (trigger, steps, exit and entry rules), journey instances with their history,
 * durable timers, and the engine that advances them. The engine is a Kafka consumer group on
 * {@code activation.events} keyed by contact, so one contact's events and fired timers are applied one at a time;
 * every record is applied in one database transaction and recorded by its id, so a replay changes nothing.
 */
package io.activation.journey;
