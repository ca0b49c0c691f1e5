package io.activation.channels.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Activation-Signature} header: {@code t=<unix seconds>,v1=<hex>}, where {@code <hex>} is the lower-case
 * hex HMAC-SHA256, keyed with the secret (UTF-8), of the ASCII {@code t}, a {@code .} and the exact body bytes. The
 * same scheme as the journey webhook step (a copy: the channels module may not use that core package), so a shop
 * verifies both with one routine.
 */
public final class WebhookSignature {

    public static final String HEADER = "Activation-Signature";

    private WebhookSignature() {}

    /** The header value for {@code body} sent at {@code unixSeconds}. */
    public static String sign(String secret, long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac(secret, unixSeconds, body));
    }

    /**
     * Whether {@code header} is a valid signature of {@code body} made no more than {@code toleranceSeconds} away
     * from {@code nowSeconds} (what a receiver checks; compares in constant time).
     */
    public static boolean verify(String secret, String header, byte[] body, long nowSeconds, long toleranceSeconds) {
        if (header == null) {
            return false;
        }
        Long t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = part.substring(0, eq).trim();
            String v = part.substring(eq + 1).trim();
            if (k.equals("t")) {
                try {
                    t = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    return false;
                }
            } else if (k.equals("v1")) {
                v1 = v;
            }
        }
        if (t == null || v1 == null || Math.abs(nowSeconds - t) > toleranceSeconds) {
            return false;
        }
        byte[] expected = HexFormat.of().formatHex(mac(secret, t, body)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, v1.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] mac(String secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
