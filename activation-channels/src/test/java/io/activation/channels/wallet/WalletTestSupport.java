package io.activation.channels.wallet;

import java.nio.file.Path;
import java.util.Map;

/** Test certificates for tests outside this package. */
public final class WalletTestSupport {

    private WalletTestSupport() {}

    /** Writes a test chain; answers the paths and password by setting name. */
    public static Map<String, String> certificates(Path directory) {
        TestCertificates c = new TestCertificates(directory);
        return Map.of("certificate", c.passP12.toString(), "password", TestCertificates.PASSWORD, "wwdr",
                c.wwdrDer.toString());
    }
}
