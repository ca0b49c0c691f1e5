/**
 * The SMS channel through Twilio: {@link io.activation.channels.sms.TwilioSmsSender} sends through a Messaging
 * Service with a status callback per message, and {@link io.activation.channels.sms.TwilioWebhookController}
 * receives the status callbacks and inbound messages (STOP, START), checks Twilio's request signature and hands
 * them to the core's {@link io.activation.delivery.spi.ProviderFeedback}. Present only when
 * {@code activation.channels.sms.twilio.account-sid} is set.
 */
package io.activation.channels.sms;
