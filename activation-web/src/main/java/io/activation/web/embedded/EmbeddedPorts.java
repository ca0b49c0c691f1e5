package io.activation.web.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Finds free TCP ports on the loopback interface, for services that must know their port before they bind it. */
final class EmbeddedPorts {

    private EmbeddedPorts() {
    }

    /**
     * A port that was free on 127.0.0.1 a moment ago. Another process could take it before the caller binds it; the
     * window is small and the caller then fails loudly with an "address in use" error.
     */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free TCP port on the loopback interface", e);
        }
    }

    /** {@code configured} if it is a fixed port, otherwise a free one. */
    static int resolve(int configured) {
        if (configured < 0 || configured > 65535) {
            throw new IllegalArgumentException("Not a TCP port: " + configured);
        }
        return configured == 0 ? freePort() : configured;
    }
}
