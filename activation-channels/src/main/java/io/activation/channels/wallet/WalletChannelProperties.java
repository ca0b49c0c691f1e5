package io.activation.channels.wallet;

import java.net.URI;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code activation.channels.wallet.*}.
 *
 * @param certificate the pass type ID certificate with its private key, PKCS#12 (the channel exists only when set);
 *     it signs passes and is the client certificate for APNs
 * @param certificatePassword the PKCS#12 password
 * @param wwdrCertificate Apple's WWDR intermediate certificate (DER or PEM) that issued the pass type certificate
 * @param passTypeIdentifier the pass type ID ({@code pass.com.example.loyalty}), also the APNs topic
 * @param teamIdentifier the Apple developer team ID
 * @param organizationName shown on the pass and the lock screen
 * @param webServiceUrl the public base URL of this server as Wallet reaches it; passes carry
 *     {@code <webServiceUrl>/wallet} as their {@code webServiceURL} (must be https for real devices)
 * @param linkSecret the HMAC key of download links (at least 16 characters)
 * @param apns where update notifications go
 */
@ConfigurationProperties("activation.channels.wallet")
public record WalletChannelProperties(Path certificate, String certificatePassword, Path wwdrCertificate,
        String passTypeIdentifier, String teamIdentifier, @DefaultValue("Activation") String organizationName,
        @DefaultValue("http://localhost:8080") URI webServiceUrl, String linkSecret, @DefaultValue Apns apns) {

    /**
     * @param host APNs host: {@code api.push.apple.com} (production, which Wallet passes always use)
     * @param port 443 or 2197
     * @param trustedCertificate a CA certificate (PEM) to trust instead of the system's, for a local APNs stand-in
     */
    public record Apns(@DefaultValue("api.push.apple.com") String host, @DefaultValue("443") int port,
            Path trustedCertificate) {}

    public WalletChannelProperties {
        if (certificate != null) {
            require(wwdrCertificate != null, "wwdr-certificate");
            require(passTypeIdentifier != null && !passTypeIdentifier.isBlank(), "pass-type-identifier");
            require(teamIdentifier != null && !teamIdentifier.isBlank(), "team-identifier");
            require(linkSecret != null && linkSecret.length() >= 16, "link-secret (at least 16 characters)");
        }
        certificatePassword = certificatePassword == null ? "" : certificatePassword;
        String base = webServiceUrl.toString();
        webServiceUrl = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    }

    private static void require(boolean ok, String name) {
        if (!ok) {
            throw new IllegalArgumentException("activation.channels.wallet." + name
                    + " must be set when activation.channels.wallet.certificate is");
        }
    }
}
