package io.activation.channels.email;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code activation.channels.email.*}: the e-mail channel. The SMTP server itself is {@code spring.mail.host},
 * {@code port}, {@code username}, {@code password} and {@code properties} (Jakarta Mail {@code mail.smtp.*}); the
 * channel exists only when {@code spring.mail.host} is set.
 *
 * @param enabled false switches the channel off even when {@code spring.mail.host} is set
 * @param from the From address (required for real sending; the embedded catcher accepts the default)
 * @param fromName the From display name, may be empty
 * @param bounceAddress the SMTP envelope sender ({@code MAIL FROM}, where DSNs go); empty: the From address
 * @param messageIdDomain the domain of generated Message-IDs; empty: the From address's domain
 * @param unsubscribeMailto an address added to {@code List-Unsubscribe} as {@code mailto:}; empty: none
 * @param poolSize SMTP connections kept open and reused (the most messages in flight at once)
 * @param poolWait how long a send waits for a free connection before answering Retry
 * @param maxMessagesPerConnection messages sent on one connection before it is replaced (0: no limit)
 * @param maxIdle a pooled connection idle longer than this is replaced instead of reused (servers drop idle ones)
 * @param connectTimeout TCP connect timeout
 * @param readTimeout how long to wait for any SMTP reply (including the reply to the end of DATA)
 * @param writeTimeout how long a write to the server may block
 * @param perDomainRate messages per second to one recipient domain (0: unlimited)
 * @param perDomainBurst messages to one domain that may go at once before the rate applies
 * @param domainRates per-domain overrides of {@code perDomainRate} (e.g. {@code gmail.com: 50})
 * @param throttleMaxWait how long a send may wait for its domain's next slot; longer: Retry with that delay
 * @param dkim DKIM signing
 * @param bounces the bounce mailbox reader
 * @param webhookSecret HMAC-SHA256 secret of {@code POST /webhooks/email/events}; empty: the endpoint is off
 */
@ConfigurationProperties("activation.channels.email")
public record EmailProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("activation@localhost") String from,
        @DefaultValue("") String fromName,
        @DefaultValue("") String bounceAddress,
        @DefaultValue("") String messageIdDomain,
        @DefaultValue("") String unsubscribeMailto,
        @DefaultValue("8") int poolSize,
        @DefaultValue("30s") Duration poolWait,
        @DefaultValue("500") int maxMessagesPerConnection,
        @DefaultValue("60s") Duration maxIdle,
        @DefaultValue("10s") Duration connectTimeout,
        @DefaultValue("60s") Duration readTimeout,
        @DefaultValue("60s") Duration writeTimeout,
        @DefaultValue("0") double perDomainRate,
        @DefaultValue("10") int perDomainBurst,
        Map<String, Double> domainRates,
        @DefaultValue("5s") Duration throttleMaxWait,
        @DefaultValue Dkim dkim,
        @DefaultValue Bounces bounces,
        @DefaultValue("") String webhookSecret) {

    public EmailProperties {
        domainRates = domainRates == null ? Map.of() : Map.copyOf(domainRates);
        if (poolSize < 1) {
            throw new IllegalArgumentException("activation.channels.email.pool-size must be at least 1");
        }
        if (perDomainRate < 0 || perDomainBurst < 1) {
            throw new IllegalArgumentException(
                    "activation.channels.email.per-domain-rate must be >= 0 and per-domain-burst >= 1");
        }
    }

    /** Defaults for a sender built without Spring (tests, benchmark). */
    public static EmailProperties defaults(String from) {
        return new EmailProperties(true, from, "", "", "", "", 8, Duration.ofSeconds(30), 500, Duration.ofSeconds(60),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(60), 0, 10, Map.of(),
                Duration.ofSeconds(5), Dkim.off(), Bounces.off(), "");
    }

    /**
     * DKIM signing (RFC 6376, rsa-sha256, relaxed/relaxed).
     *
     * @param enabled sign every message
     * @param domain the signing domain ({@code d=}), normally the From domain
     * @param selector the selector ({@code s=}): the public key is the TXT record {@code <selector>._domainkey.<domain>}
     * @param privateKeyPath a PEM file with the RSA private key (PKCS#8 {@code BEGIN PRIVATE KEY})
     * @param headers the headers signed ({@code h=}), in addition to the library's defaults
     * @param checkDnsRecord look up the TXT record at start-up and refuse a key that does not match it
     */
    public record Dkim(@DefaultValue("false") boolean enabled, @DefaultValue("") String domain,
            @DefaultValue("") String selector, @DefaultValue("") String privateKeyPath,
            @DefaultValue({"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
                    "List-Unsubscribe", "List-Unsubscribe-Post", "X-Activation-Message-Key"}) List<String> headers,
            @DefaultValue("false") boolean checkDnsRecord) {

        public Dkim {
            headers = headers == null ? List.of() : List.copyOf(headers);
        }

        static Dkim off() {
            return new Dkim(false, "", "", "", List.of(), false);
        }
    }

    /**
     * The bounce mailbox: an IMAP folder where DSNs (RFC 3464) and ARF complaints (RFC 5965) arrive.
     *
     * @param enabled poll the mailbox (processes with the {@code senders} role)
     * @param host IMAP host
     * @param port IMAP port (993 for imaps, 143 for imap)
     * @param protocol {@code imaps} or {@code imap}
     * @param username login
     * @param password password
     * @param folder the folder read
     * @param interval time between two polls
     * @param maxPerPoll the most messages handled in one poll
     * @param deleteProcessed delete a report once it was handed on (false: mark it seen and leave it)
     */
    public record Bounces(@DefaultValue("false") boolean enabled, @DefaultValue("") String host,
            @DefaultValue("993") int port, @DefaultValue("imaps") String protocol, @DefaultValue("") String username,
            @DefaultValue("") String password, @DefaultValue("INBOX") String folder,
            @DefaultValue("60s") Duration interval, @DefaultValue("500") int maxPerPoll,
            @DefaultValue("true") boolean deleteProcessed) {

        static Bounces off() {
            return new Bounces(false, "", 993, "imaps", "", "", "INBOX", Duration.ofSeconds(60), 500, true);
        }
    }
}
