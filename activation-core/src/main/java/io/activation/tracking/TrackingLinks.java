package io.activation.tracking;

import io.activation.tracking.TrackingReference.Kind;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Service;

/**
 * Builds and verifies the tracking links put into messages: the open pixel, click redirects (long signed ones for
 * e-mail, short stored ones for SMS) and the unsubscribe page / RFC 8058 one-click target. Absolute URLs under
 * {@code activation.tracking.base-url}.
 *
 * <p>A token is the URL-safe Base64 (no padding) of {@code version, kind, delivery id, [target URL]} followed by the
 * first 16 bytes of its HMAC-SHA256: nobody without the key can make a token for another delivery or change a click's
 * target, so the click endpoint is no open redirect. Tokens do not expire; a message read a year later still works.
 */
@Service
public class TrackingLinks {

    static final int MAX_TOKEN_LENGTH = 8192;
    private static final byte VERSION = 1;
    private static final int MAC_LENGTH = 16;
    private static final int HEADER_LENGTH = 1 + 1 + Long.BYTES;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final String origin;
    private final Supplier<byte[]> key;
    private final ShortLinks shortLinks;
    private final ThreadLocal<Signer> signers = new ThreadLocal<>();

    @Autowired
    TrackingLinks(TrackingProperties properties, TrackingKey key, ShortLinks shortLinks) {
        this(properties.origin(), key::key, shortLinks);
    }

    TrackingLinks(String origin, Supplier<byte[]> key, ShortLinks shortLinks) {
        this.origin = origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin;
        this.key = key;
        this.shortLinks = shortLinks;
    }

    /** The 1x1 open pixel of a delivery. */
    public String openPixel(long deliveryId) {
        return origin + "/t/o/" + token(Kind.OPEN, deliveryId, null);
    }

    /**
     * A click-tracked link to {@code url}. Only absolute http(s) URLs are tracked; anything else ({@code mailto:},
     * {@code tel:}, {@code #anchor}, a Liquid placeholder left unrendered) is returned unchanged.
     */
    public String click(long deliveryId, String url) {
        if (!trackable(url)) {
            return url;
        }
        return origin + "/t/c/" + token(Kind.CLICK, deliveryId, url);
    }

    /**
     * A short click-tracked link to {@code url} for SMS ({@code base-url/s/<12 characters>}): the target is stored,
     * keyed by a random code. The same delivery and URL give the same link. Untrackable URLs are returned unchanged.
     */
    public String shortClick(long deliveryId, String url) {
        if (!trackable(url)) {
            return url;
        }
        return origin + "/s/" + shortLinks.code(deliveryId, url);
    }

    /** The unsubscribe page of a delivery: GET shows a confirmation button, POST unsubscribes. */
    public String unsubscribePage(long deliveryId) {
        return origin + "/u/" + token(Kind.UNSUBSCRIBE, deliveryId, null);
    }

    /**
     * The RFC 8058 one-click target for {@code List-Unsubscribe} (with {@code List-Unsubscribe-Post:
     * List-Unsubscribe=One-Click}): the same URL as the page, since only a POST to it unsubscribes.
     */
    public String unsubscribeOneClick(long deliveryId) {
        return unsubscribePage(deliveryId);
    }

    /** Whether {@link #click} would track this URL: an absolute http or https URL with a host. */
    public static boolean trackable(String url) {
        if (url == null || url.isBlank() || url.length() > 4000) {
            return false;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme();
            return scheme != null && uri.getHost() != null
                    && ("http".equals(scheme.toLowerCase(Locale.ROOT)) || "https".equals(scheme.toLowerCase(Locale.ROOT)));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** What a token names, or empty when it is malformed, signed with another key or altered in any byte. */
    public Optional<TrackingReference> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = DECODER.decode(token);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (raw.length < HEADER_LENGTH + MAC_LENGTH || raw[0] != VERSION
                || !ENCODER.encodeToString(raw).equals(token)) { // one spelling per token
            return Optional.empty();
        }
        byte[] payload = Arrays.copyOf(raw, raw.length - MAC_LENGTH);
        byte[] mac = Arrays.copyOfRange(raw, raw.length - MAC_LENGTH, raw.length);
        if (!MessageDigest.isEqual(mac, mac(payload))) {
            return Optional.empty();
        }
        Optional<Kind> kind = Kind.of(payload[1]);
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        long deliveryId = ByteBuffer.wrap(payload, 2, Long.BYTES).getLong();
        boolean hasUrl = payload.length > HEADER_LENGTH;
        if ((kind.get() == Kind.CLICK) != hasUrl) {
            return Optional.empty();
        }
        Optional<String> url = hasUrl
                ? Optional.of(new String(payload, HEADER_LENGTH, payload.length - HEADER_LENGTH, StandardCharsets.UTF_8))
                : Optional.empty();
        return Optional.of(new TrackingReference(kind.get(), deliveryId, url));
    }

    /** What a short-link code names, or empty when no such code was issued. */
    public Optional<TrackingReference> verifyShort(String code) {
        return shortLinks.find(code);
    }

    private String token(Kind kind, long deliveryId, String url) {
        byte[] target = url == null ? new byte[0] : url.getBytes(StandardCharsets.UTF_8);
        ByteBuffer payload = ByteBuffer.allocate(HEADER_LENGTH + target.length);
        payload.put(VERSION).put((byte) kind.code()).putLong(deliveryId).put(target);
        byte[] signed = payload.array();
        byte[] mac = mac(signed);
        byte[] raw = Arrays.copyOf(signed, signed.length + MAC_LENGTH);
        System.arraycopy(mac, 0, raw, signed.length, MAC_LENGTH);
        return ENCODER.encodeToString(raw);
    }

    private byte[] mac(byte[] payload) {
        byte[] secret = Objects.requireNonNull(key.get(), "tracking key");
        Signer signer = signers.get();
        if (signer == null || signer.key != secret) {
            signer = new Signer(secret);
            signers.set(signer);
        }
        return Arrays.copyOf(signer.mac.doFinal(payload), MAC_LENGTH);
    }

    /**
     * One initialised HMAC per thread, for the key it was made with: {@code Mac.getInstance} and {@code init} per
     * token were 6.5 % of the e-mail pipeline's CPU (a provider lookup and the key schedule for every link of every
     * message). {@code doFinal} resets the Mac to its initialised state, so the next token starts clean.
     */
    private static final class Signer {
        final byte[] key;
        final Mac mac;

        Signer(byte[] key) {
            this.key = key;
            try {
                this.mac = Mac.getInstance("HmacSHA256");
                this.mac.init(new SecretKeySpec(key, "HmacSHA256"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is unavailable", e);
            }
        }
    }
}
