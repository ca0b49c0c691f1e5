/**
 * The wallet channel: Apple Wallet passes (a loyalty store card or a coupon) per contact, built and signed with
 * jpasskit, kept in {@code wallet_passes}; the PassKit web service Wallet calls on {@code /wallet/v1} (device
 * registrations, updated serials, the latest pass, logs) plus a signed download link; and update notifications to
 * every registered device through APNs (Pushy, HTTP/2, the pass type certificate as client certificate). Switched on
 * by {@code activation.channels.wallet.certificate}.
 */
package io.activation.channels.wallet;
