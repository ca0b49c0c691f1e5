/**
 * The e-mail channel: {@link io.activation.channels.email.SmtpSender} sends over SMTP (Jakarta Mail, pooled
 * connections, deterministic Message-IDs, RFC 8058 one-click unsubscribe headers, optional DKIM, per-domain
 * throttling) and maps SMTP replies to the delivery SPI's results; asynchronous outcomes come back through
 * {@link io.activation.channels.email.BounceMailboxReader} (DSN and ARF reports read over IMAP) and
 * {@link io.activation.channels.email.EmailWebhookController} (signed provider events), both reporting to the core's
 * {@code ProviderFeedback} by message key. See docs/channel-email.md and ADR 0015.
 */
package io.activation.channels.email;
