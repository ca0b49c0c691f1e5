/**
 * The webhook channel: each message's {@code body} part (a JSON document) is POSTed to the shop's one configured
 * endpoint, signed Stripe-style ({@code Activation-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>}, the same scheme
 * as the journey webhook step) and carrying the message key as {@code Idempotency-Key}. Switched on by
 * {@code activation.channels.webhook.url}.
 */
package io.activation.channels.webhook;
