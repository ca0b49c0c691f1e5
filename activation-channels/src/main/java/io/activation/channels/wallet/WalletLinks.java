package io.activation.channels.wallet;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Download links for a contact's pass: {@code <base>/wallet/v1/download/<token>}, the token naming the contact and
 * the pass style, with a truncated HMAC-SHA256 so it cannot be guessed or altered. The link stays valid: it always
 * serves the pass as it is now.
 */
public final class WalletLinks {

    /** A verified token's content. */
    public record Target(long contactId, PassStyle style) {}

    private static final int MAC_BYTES = 16;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final byte[] secret;
    private final String base;

    public WalletLinks(WalletChannelProperties properties) {
        this(properties.linkSecret(), properties.webServiceUrl().toString());
    }

    WalletLinks(String secret, String base) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.base = base;
    }

    public String downloadUrl(long contactId, PassStyle style) {
        return base + "/wallet/v1/download/" + token(contactId, style);
    }

    public String token(long contactId, PassStyle style) {
        String payload = contactId + "." + style.wireName();
        return ENCODER.encodeToString(payload.getBytes(StandardCharsets.US_ASCII)) + "."
                + ENCODER.encodeToString(mac(payload));
    }

    /** The target of a token, or null when it is malformed or its signature does not match. */
    public Target verify(String token) {
        if (token == null || token.length() > 200) {
            return null;
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        try {
            String payload = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)),
                    StandardCharsets.US_ASCII);
            byte[] given = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(mac(payload), given)) {
                return null;
            }
            int sep = payload.indexOf('.');
            PassStyle style = PassStyle.parse(payload.substring(sep + 1));
            return style == null ? null : new Target(Long.parseLong(payload.substring(0, sep)), style);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    private byte[] mac(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal(("wallet-download:" + payload).getBytes(StandardCharsets.US_ASCII)),
                    MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
