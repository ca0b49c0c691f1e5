package io.activation.channels.wallet;

import de.brendamour.jpasskit.PKBarcode;
import de.brendamour.jpasskit.PKField;
import de.brendamour.jpasskit.PKPass;
import de.brendamour.jpasskit.PKPassBuilder;
import de.brendamour.jpasskit.enums.PKBarcodeFormat;
import de.brendamour.jpasskit.enums.PKPassType;
import de.brendamour.jpasskit.passes.PKGenericPass;
import de.brendamour.jpasskit.passes.PKGenericPassBuilder;
import de.brendamour.jpasskit.signing.PKInMemorySigningUtil;
import de.brendamour.jpasskit.signing.PKPassTemplateInMemory;
import de.brendamour.jpasskit.signing.PKSigningException;
import de.brendamour.jpasskit.signing.PKSigningInformation;
import de.brendamour.jpasskit.signing.PKSigningInformationUtil;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * Builds a pass's {@code pass.json} from the stored record and signs it into a {@code .pkpass} archive (jpasskit:
 * manifest of SHA-1 hashes, detached PKCS#7 signature by the pass type certificate with the WWDR intermediate).
 *
 * <p>Field keys map to pass fields by prefix: {@code header.}, {@code primary.}, {@code secondary.},
 * {@code auxiliary.}, {@code back.} (no prefix: secondary); the label is the key without prefix, underscores as
 * spaces. The key {@code barcode} becomes a QR code with that message.
 */
public final class PassFactory {

    public static final String CONTENT_TYPE = "application/vnd.apple.pkpass";

    private final WalletChannelProperties properties;
    private final PKSigningInformation signing;
    private final byte[] icon;

    public PassFactory(WalletChannelProperties properties) {
        this.properties = properties;
        this.signing = loadSigning(properties);
        this.icon = icon();
    }

    /** The signed {@code .pkpass} bytes of a pass as stored now. */
    public byte[] signed(WalletPass pass) {
        PKPass pkPass = pkPass(pass);
        PKPassTemplateInMemory template = new PKPassTemplateInMemory();
        try {
            template.addFile(PKPassTemplateInMemory.PK_ICON, new ByteArrayInputStream(icon));
            template.addFile(PKPassTemplateInMemory.PK_ICON_RETINA, new ByteArrayInputStream(icon));
            return new PKInMemorySigningUtil().createSignedAndZippedPkPassArchive(pkPass, template, signing);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (PKSigningException e) {
            throw new IllegalStateException("the pass could not be signed: " + e.getMessage(), e);
        }
    }

    /**
     * Why these fields cannot make a pass (two fields with the same name in different areas, an empty key), or
     * null: checked before a pass is saved, so every stored pass can be signed.
     */
    public String refusal(PassStyle style, Map<String, String> fields) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String key : fields.keySet()) {
            if (key.equals("barcode")) {
                continue;
            }
            int dot = key.indexOf('.');
            String name = dot > 0 ? key.substring(dot + 1) : key;
            if (name.isBlank()) {
                return "the pass field '" + key + "' has no name";
            }
            if (!names.add(name)) {
                return "two pass fields are named '" + name + "'";
            }
        }
        try {
            pkPass(new WalletPass("check", "pass.check", 0, style, "check-token-0123456789", "check", fields,
                    java.time.Instant.EPOCH));
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    PKPass pkPass(WalletPass pass) {
        PKGenericPassBuilder body = PKGenericPass.builder()
                .passType(pass.style() == PassStyle.COUPON ? PKPassType.PKCoupon : PKPassType.PKStoreCard);
        String barcode = null;
        for (Map.Entry<String, String> e : new TreeMap<>(pass.fields()).entrySet()) {
            String key = e.getKey();
            if (key.equals("barcode")) {
                barcode = e.getValue();
                continue;
            }
            int dot = key.indexOf('.');
            String area = dot > 0 ? key.substring(0, dot).toLowerCase(Locale.ROOT) : "secondary";
            String name = dot > 0 ? key.substring(dot + 1) : key;
            PKField field = PKField.builder().key(name).label(name.replace('_', ' ')).value(e.getValue()).build();
            switch (area) {
                case "header" -> body.headerField(field);
                case "primary" -> body.primaryField(field);
                case "auxiliary" -> body.auxiliaryField(field);
                case "back" -> body.backField(field);
                default -> body.secondaryField(field);
            }
        }
        PKPassBuilder builder = PKPass.builder()
                .formatVersion(1)
                .passTypeIdentifier(pass.passTypeIdentifier())
                .serialNumber(pass.serialNumber())
                .teamIdentifier(properties.teamIdentifier())
                .organizationName(properties.organizationName())
                .description(pass.description())
                .authenticationToken(pass.authToken())
                .webServiceURL(webServiceUrl())
                .pass(body);
        if (barcode != null) {
            builder.barcodeBuilder(PKBarcode.builder().format(PKBarcodeFormat.PKBarcodeFormatQR).message(barcode)
                    .messageEncoding(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        if (!builder.isValid()) {
            throw new IllegalArgumentException("invalid pass: " + builder.getValidationErrors());
        }
        return builder.build();
    }

    private java.net.URL webServiceUrl() {
        try {
            return URI.create(properties.webServiceUrl() + "/wallet").toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("activation.channels.wallet.web-service-url is not a URL", e);
        }
    }

    private static PKSigningInformation loadSigning(WalletChannelProperties p) {
        try (InputStream keyStore = Files.newInputStream(p.certificate())) {
            X509Certificate wwdr = certificate(p.wwdrCertificate());
            PKSigningInformation partial = new PKSigningInformationUtil()
                    .loadSigningInformationFromPKCS12AndIntermediateCertificate(keyStore, p.certificatePassword(),
                            new ByteArrayInputStream(wwdr.getEncoded()));
            if (!partial.isValid()) {
                throw new IllegalStateException("activation.channels.wallet.certificate holds no usable key");
            }
            return partial;
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("the wallet certificates could not be loaded: " + e.getMessage(), e);
        }
    }

    /** A DER or PEM certificate. */
    static X509Certificate certificate(Path file) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** A plain square icon: Wallet refuses passes without icon.png; operators brand passes through the logo later. */
    private static byte[] icon() {
        BufferedImage image = new BufferedImage(58, 58, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(0x1f, 0x4e, 0x79));
        g.fillRect(0, 0, 58, 58);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
