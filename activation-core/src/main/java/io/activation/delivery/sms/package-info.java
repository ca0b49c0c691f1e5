/**
 * SMS text rules that hold whatever the provider: which encoding a text needs (GSM 03.38 7-bit or UCS-2) and how
 * many segments it is billed as. Shown before sending (REST {@code POST /api/v1/sms/segments}) so a marketer sees
 * that one emoji turns a 160-character message into three segments.
 */
package io.activation.delivery.sms;
