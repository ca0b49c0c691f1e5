package io.activation.journey.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * Calls a webhook: one signed JSON POST, never retried here (the caller decides, with the same idempotency key).
 *
 * <p>Signature scheme (Stripe's): header {@code Activation-Signature: t=<unix seconds>,v1=<hex>} where {@code <hex>}
 * is the lower-case hex HMAC-SHA256, keyed with the webhook's secret (UTF-8), of the ASCII string {@code t}, a
 * {@code .} and the exact request body bytes. A receiver recomputes it over the raw body, compares in constant
 * time, and rejects timestamps older than its tolerance (5 minutes is usual) against replays.
 *
 * <p>SSRF guard: only {@code http}/{@code https} URLs without user info; host names that look like numbers but are
 * not canonical dotted quads ({@code 2130706433}, {@code 0177.0.0.1}) are refused; every address the host resolves
 * to must be public (see {@link NetworkPolicy}) unless private networks are allowed. The check runs inside the
 * client's DNS resolver and the connection goes to the very addresses it returned, so a name cannot resolve to a
 * public address for the check and to a private one for the connection. No proxy, no redirects (a 3xx is a failed
 * call), no automatic retries.
 */
public final class WebhookCaller implements AutoCloseable {

    public static final String SIGNATURE_HEADER = "Activation-Signature";
    public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

    /** Resolves a host name to addresses; the system resolver unless a test supplies another. */
    @FunctionalInterface
    interface NameService {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** The resolver refused the target: no connection was attempted. */
    static final class RefusedTarget extends UnknownHostException {
        RefusedTarget(String message) {
            super(message);
        }
    }

    private final NetworkPolicy policy;
    private final NameService names;
    private final Clock clock;
    private final int maxResponseBytes;
    private final CloseableHttpClient http;

    private WebhookCaller(Builder b) {
        this.policy = new NetworkPolicy(b.allowPrivateNetworks, b.allowedHosts, b.allowedNetworks);
        this.names = b.names;
        this.clock = b.clock;
        this.maxResponseBytes = b.maxResponseBytes;
        DnsResolver checkingResolver = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                return checkedAddresses(host);
            }

            @Override
            public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
                List<InetSocketAddress> out = new ArrayList<>();
                for (InetAddress a : checkedAddresses(host)) {
                    out.add(new InetSocketAddress(a, port));
                }
                return out;
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        };
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(checkingResolver)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(b.connectTimeout))
                                .setSocketTimeout(Timeout.of(b.readTimeout))
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.of(b.readTimeout))
                        .setRedirectsEnabled(false)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("Activation-Webhooks/1")
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * POSTs {@code jsonBody} to {@code url}, signed with {@code secret} (no signature header when null) and carrying
     * {@code idempotencyKey} (no header when null). Never throws for a failed call: the result says what happened.
     */
    public WebhookResult post(URI url, String jsonBody, String secret, String idempotencyKey) {
        return post(url, jsonBody, secret, idempotencyKey, null);
    }

    /**
     * As {@link #post(URI, String, String, String)}, waiting at most {@code timeout} for the answer (for the first
     * byte and between reads) instead of the configured read timeout; null keeps the configured one.
     */
    public WebhookResult post(URI url, String jsonBody, String secret, String idempotencyKey, Duration timeout) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(jsonBody, "jsonBody");
        long start = System.nanoTime();
        String refused = refuseUrl(url);
        if (refused != null) {
            return WebhookResult.failed("refused: " + refused, elapsed(start));
        }
        HttpPost post = new HttpPost(url);
        if (timeout != null) {
            post.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(timeout)).setRedirectsEnabled(false)
                    .build());
        }
        byte[] body = jsonBody.getBytes(StandardCharsets.UTF_8);
        post.setEntity(new StringEntity(jsonBody, ContentType.APPLICATION_JSON.withCharset(StandardCharsets.UTF_8)));
        if (secret != null) {
            post.setHeader(SIGNATURE_HEADER, signature(secret, clock.instant().getEpochSecond(), body));
        }
        if (idempotencyKey != null) {
            post.setHeader(IDEMPOTENCY_HEADER, idempotencyKey);
        }
        try (ClassicHttpResponse response = http.executeOpen(null, post, null)) {
            int status = response.getCode();
            boolean ok = status >= 200 && status < 300;
            String answer = readCapped(response.getEntity(), post);
            String error = ok ? null
                    : status >= 300 && status < 400 ? "redirect not followed (HTTP " + status + ")"
                    : "HTTP " + status;
            return new WebhookResult(status, ok, error, elapsed(start), answer);
        } catch (RefusedTarget e) {
            return WebhookResult.failed("refused: " + e.getMessage(), elapsed(start));
        } catch (ConnectTimeoutException e) {
            return WebhookResult.failed("timeout: no connection within the connect timeout", elapsed(start));
        } catch (InterruptedIOException e) {
            // SocketTimeoutException included: the receiver did not answer within the read timeout.
            return WebhookResult.failed("timeout: " + e.getMessage(), elapsed(start));
        } catch (UnknownHostException e) {
            return WebhookResult.failed("unknown host: " + e.getMessage(), elapsed(start));
        } catch (IOException e) {
            return WebhookResult.failed("connection failed: " + e, elapsed(start));
        }
    }

    /** The {@code Activation-Signature} header value for a body sent at {@code unixSeconds}. */
    public static String signature(String secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        http.close(CloseMode.GRACEFUL);
    }

    /**
     * Why this caller would refuse the URL without resolving its host (scheme, user info, a non-public IP literal,
     * a {@code localhost} name, a host outside the allowed ones), or null. For checking a URL when it is
     * configured; the call itself checks again, and also every address the name resolves to.
     */
    public String refusal(URI url) {
        return refuseUrl(url);
    }

    private String refuseUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "only http and https URLs may be called";
        }
        if (url.getRawUserInfo() != null) {
            return "URLs with user info are not called";
        }
        String host = url.getHost();
        if (host == null || host.isEmpty()) {
            return "the URL has no host";
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        String reason = policy.refuseHost(bare);
        if (reason != null) {
            return reason;
        }
        String lower = bare.toLowerCase(Locale.ROOT);
        if (lower.equals("localhost") || lower.endsWith(".localhost") || lower.equals("localhost.")) {
            // Resolves to loopback by definition (RFC 6761): judged as the loopback address it is.
            String loopback = policy.refuseAddress(InetAddress.getLoopbackAddress());
            return loopback == null ? null : "'" + host + "' is the loopback address: " + loopback;
        }
        if (bare.contains(":") || bare.matches("[0-9.]+")) {
            // An IP literal (canonical, see above): parsing it performs no lookup; the client may not ask the
            // resolver for it, so it is checked here.
            try {
                return policy.refuseAddress(InetAddress.getByName(bare));
            } catch (UnknownHostException e) {
                return "'" + host + "' is not an IP address";
            }
        }
        return null;
    }

    private InetAddress[] checkedAddresses(String host) throws UnknownHostException {
        InetAddress[] addresses = names.resolve(host);
        for (InetAddress a : addresses) {
            String reason = policy.refuseAddress(a);
            if (reason != null) {
                // One bad address refuses the host: a round-robin mix of public and private is an attack.
                throw new RefusedTarget("'" + host + "' resolves to " + reason);
            }
        }
        return addresses;
    }

    private String readCapped(HttpEntity entity, HttpPost post) throws IOException {
        if (entity == null) {
            return "";
        }
        byte[] buffer = new byte[maxResponseBytes];
        int n = 0;
        boolean more = false;
        try (InputStream in = entity.getContent()) {
            int r;
            while (n < buffer.length && (r = in.read(buffer, n, buffer.length - n)) > 0) {
                n += r;
            }
            if (n == buffer.length && in.read() >= 0) {
                more = true;
                // Drop the connection rather than drain an answer of unknown size.
                post.cancel();
            }
        } catch (IOException e) {
            if (!more) {
                throw e;
            }
        }
        return new String(buffer, 0, n, StandardCharsets.UTF_8);
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Options; {@link #properties} takes them from {@code activation.webhooks.*}. */
    public static final class Builder {
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(10);
        private int maxResponseBytes = 64 * 1024;
        private boolean allowPrivateNetworks;
        private List<String> allowedHosts = List.of();
        private List<String> allowedNetworks = List.of();
        private Clock clock = Clock.systemUTC();
        private NameService names = InetAddress::getAllByName;

        private Builder() {}

        public Builder properties(WebhookProperties p) {
            return connectTimeout(p.connectTimeout()).readTimeout(p.readTimeout())
                    .maxResponseBytes((int) Math.min(Integer.MAX_VALUE - 8, p.maxResponseSize().toBytes()))
                    .allowPrivateNetworks(p.allowPrivateNetworks()).allowedHosts(p.allowedHosts())
                    .allowedNetworks(p.allowedNetworks());
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        public Builder readTimeout(Duration d) {
            this.readTimeout = d;
            return this;
        }

        public Builder maxResponseBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxResponseBytes must be >= 0");
            }
            this.maxResponseBytes = bytes;
            return this;
        }

        public Builder allowPrivateNetworks(boolean allow) {
            this.allowPrivateNetworks = allow;
            return this;
        }

        public Builder allowedHosts(List<String> hosts) {
            this.allowedHosts = List.copyOf(hosts);
            return this;
        }

        public Builder allowedNetworks(List<String> cidrs) {
            this.allowedNetworks = List.copyOf(cidrs);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        Builder nameService(NameService names) {
            this.names = names;
            return this;
        }

        public WebhookCaller build() {
            return new WebhookCaller(this);
        }
    }
}
