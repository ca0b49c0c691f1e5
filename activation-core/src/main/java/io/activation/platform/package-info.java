/**
 * What every feature of the core shares and nothing more: the injected {@link java.time.Clock}, the roles a
 * process plays, and the domain exceptions that say which input was wrong (the API turns them into RFC 9457
 * problem details; the core knows nothing of HTTP).
 */
package io.activation.platform;
