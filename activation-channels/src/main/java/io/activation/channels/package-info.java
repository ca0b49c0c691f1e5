/**
 * Channel senders (SMTP, Twilio, FCM, Apple Wallet, print files, webhook), each plugged in through the core's
 * delivery SPI and switched on by {@code activation.channels.<name>.enabled}. The delivery issue fills this module;
 * the foundation only fixes its place in the dependency graph: channels depend on core, never the reverse.
 */
package io.activation.channels;
