/**
 * The journey's webhook step, as a self-contained client: {@link io.activation.journey.webhook.WebhookCaller}
 * POSTs a JSON body signed with HMAC-SHA256 ({@code Activation-Signature: t=<unix seconds>,v1=<hex>}), with an
 * {@code Idempotency-Key}, connect and read timeouts, no redirects and a response size cap, and refuses targets on
 * private, loopback, link-local, multicast and other non-public networks. The check runs on the addresses the name
 * resolved to, inside the client's DNS resolver, so the connection goes to exactly the address that was checked
 * (no DNS rebinding between check and connect). It knows nothing of the engine; the engine calls it.
 */
package io.activation.journey.webhook;
