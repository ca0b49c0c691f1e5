package io.activation.channels.email;

/** Raw DSN and ARF messages as mail servers send them. */
final class Reports {

    private Reports() {}

    static String dsn(String action, String status, String returnedHeaders, String returnedType) {
        return String.join("\r\n",
                "From: Mail Delivery System <MAILER-DAEMON@mx.shop.example>",
                "To: bounces@shop.example",
                "Subject: Undelivered Mail Returned to Sender",
                "Date: Sun, 22 Nov 2026 10:05:00 +0000",
                "MIME-Version: 1.0",
                "Content-Type: multipart/report; report-type=delivery-status;",
                "\tboundary=\"BOUNDARY1\"",
                "",
                "This is a MIME-encapsulated message.",
                "",
                "--BOUNDARY1",
                "Content-Type: text/plain; charset=us-ascii",
                "",
                "I'm sorry to have to inform you that your message could not be delivered.",
                "",
                "--BOUNDARY1",
                "Content-Type: message/delivery-status",
                "",
                "Reporting-MTA: dns; mx.shop.example",
                "Arrival-Date: Sun, 22 Nov 2026 10:00:00 +0000",
                "",
                "Final-Recipient: rfc822; ada@example.org",
                "Original-Recipient: rfc822;ada@example.org",
                "Action: " + action,
                "Status: " + status,
                "Remote-MTA: dns; mx.example.org",
                "Diagnostic-Code: smtp; 550 5.1.1 <ada@example.org>: Recipient address",
                "    rejected: User unknown",
                "Last-Attempt-Date: Sun, 22 Nov 2026 10:04:00 +0000",
                "",
                "--BOUNDARY1",
                "Content-Type: " + returnedType,
                "",
                returnedHeaders,
                "",
                "--BOUNDARY1--",
                "");
    }

    static String returned(String key, String messageId) {
        return String.join("\r\n",
                "From: The Shop <news@shop.example>",
                "To: Ada Lovelace <ada@example.org>",
                "Subject: Your cart misses you",
                "Message-ID: " + messageId,
                key == null ? "X-Other: 1" : SmtpSender.MESSAGE_KEY_HEADER + ": " + key,
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=UTF-8",
                "",
                "Hello Ada");
    }

    static String arf(String returnedHeaders) {
        return String.join("\r\n",
                "From: feedback@isp.example",
                "To: fbl@shop.example",
                "Subject: FW: Your cart misses you",
                "Date: Sun, 22 Nov 2026 11:00:00 +0000",
                "MIME-Version: 1.0",
                "Content-Type: multipart/report; report-type=feedback-report; boundary=\"ARF\"",
                "",
                "--ARF",
                "Content-Type: text/plain",
                "",
                "This is an email abuse report.",
                "",
                "--ARF",
                "Content-Type: message/feedback-report",
                "",
                "Feedback-Type: abuse",
                "User-Agent: ISP-FBL/1.0",
                "Version: 1",
                "Original-Mail-From: <bounces@shop.example>",
                "Arrival-Date: Sun, 22 Nov 2026 10:30:00 +0000",
                "",
                "--ARF",
                "Content-Type: message/rfc822",
                "",
                returnedHeaders,
                "",
                "--ARF--",
                "");
    }
}
