/**
 * The push device-token registry: the FCM registration tokens of each contact's app installations (table
 * {@code device_tokens}). Apps register a token after login and whenever FCM rotates it; arbitration addresses a
 * push to every token of the contact, and the sender runtime removes a token FCM answers {@code UNREGISTERED} for.
 */
package io.activation.delivery.device;
