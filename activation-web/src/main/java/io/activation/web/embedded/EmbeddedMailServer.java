package io.activation.web.embedded;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

/**
 * A mail catcher: GreenMail with SMTP (where the application sends) and IMAP (where a person or a test reads what was
 * sent). Authentication is off, so any sender, recipient and IMAP login is accepted; each recipient gets a mailbox
 * on first delivery, readable over IMAP with the address as user name and any password. Mail is kept in memory only.
 *
 * <p>Ports of 0 are dynamic (GreenMail binds a free port); the ports actually bound are {@link #smtpPort()} and
 * {@link #imapPort()}. Not a Spring bean and not a singleton: {@link EmbeddedServices} holds the JVM's shared
 * instance.
 */
public final class EmbeddedMailServer implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    private static final long STARTUP_TIMEOUT_MS = 30_000;

    private final GreenMail greenMail;

    /**
     * Binds and starts both servers.
     *
     * @param smtpPort SMTP port on 127.0.0.1, 0 for a free one
     * @param imapPort IMAP port on 127.0.0.1, 0 for a free one
     */
    public EmbeddedMailServer(int smtpPort, int imapPort) {
        greenMail = new GreenMail(new ServerSetup[] {
                setup(smtpPort, ServerSetup.PROTOCOL_SMTP), setup(imapPort, ServerSetup.PROTOCOL_IMAP)});
        greenMail.withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        try {
            greenMail.start();
        } catch (RuntimeException e) {
            greenMail.stop();
            throw new IllegalStateException("Embedded mail server could not start SMTP on port " + smtpPort
                    + " and IMAP on port " + imapPort + " (is another program using them? Set "
                    + "activation.embedded.mail.smtp-port/imap-port to 0 for free ports, or spring.mail.host "
                    + "to use a real SMTP server)", e);
        }
    }

    private static ServerSetup setup(int port, String protocol) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Not a TCP port: " + port);
        }
        ServerSetup setup = new ServerSetup(port, HOST, protocol);
        if (port == 0) {
            setup = setup.dynamicPort();
        }
        setup.setServerStartupTimeout(STARTUP_TIMEOUT_MS);
        return setup;
    }

    public int smtpPort() {
        return greenMail.getSmtp().getPort();
    }

    public int imapPort() {
        return greenMail.getImap().getPort();
    }

    public String host() {
        return HOST;
    }

    /** The GreenMail instance, for tests that want to read or purge what was received. */
    public GreenMail greenMail() {
        return greenMail;
    }

    public boolean isRunning() {
        return greenMail.isRunning();
    }

    /** Stops both servers; mail received so far is lost. */
    public void stop() {
        greenMail.stop();
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "EmbeddedMailServer[smtp " + HOST + ":" + smtpPort() + ", imap " + HOST + ":" + imapPort() + "]";
    }
}
