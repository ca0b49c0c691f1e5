/** REST API of SMS text rules: {@code POST /api/v1/sms/segments} counts segments before sending. */
package io.activation.api.sms;
