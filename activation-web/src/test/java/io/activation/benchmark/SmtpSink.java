package io.activation.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's SMTP sink: accepts every message on 127.0.0.1 (dynamic port) and counts it, doing nothing else, so
 * what is measured is the client. One thread per connection; replies are written as soon as each command line is read
 * (no pipelining needed by Jakarta Mail). It also remembers the {@code X-Activation-Message-Key} header of every
 * message that has one (the e-mail channel sets it), and counts a key seen twice as a duplicate.
 */
final class SmtpSink implements AutoCloseable {

    private final ServerSocket server;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong crossed = new AtomicLong();
    private final java.util.Queue<String> crossedSamples = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The pipeline's recipients are c<round>-<n>@..., its subjects start with Ada<n>: both name the contact. */
    private static final java.util.regex.Pattern TO_NUMBER = java.util.regex.Pattern.compile("c\\d+-(\\d+)@");
    private static final java.util.regex.Pattern SUBJECT_NUMBER = java.util.regex.Pattern.compile(
            "^Subject: Ada(\\d+),");
    private static final String KEY_HEADER = "X-Activation-Message-Key:";

    SmtpSink() {
        try {
            server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    connections.incrementAndGet();
                    Thread t = new Thread(() -> serve(socket), "smtp-sink");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "smtp-sink-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    long messages() {
        return messages.get();
    }

    long connections() {
        return connections.get();
    }

    /** The distinct message keys received so far (live view). */
    Set<String> keys() {
        return keys;
    }

    /**
     * Messages whose subject was rendered for another contact than the one it was sent to (the recipient's number
     * differs from the one in the subject); only for messages that carry both.
     */
    long crossed() {
        return crossed.get();
    }

    /** Up to ten examples of {@link #crossed()} messages: key, To and Subject. */
    java.util.List<String> crossedSamples() {
        return java.util.List.copyOf(crossedSamples);
    }

    /** Messages whose key had been received before. */
    long duplicates() {
        return duplicates.get();
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1), 65536);
            OutputStream out = socket.getOutputStream();
            reply(out, "220 sink ESMTP");
            String line;
            while ((line = in.readLine()) != null) {
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line;
                switch (verb) {
                    case "EHLO", "HELO" -> reply(out, "250-sink\r\n250-8BITMIME\r\n250 PIPELINING");
                    case "DATA" -> {
                        reply(out, "354 go ahead");
                        String l;
                        boolean headers = true;
                        String key = null;
                        String to = null;
                        String subject = null;
                        while ((l = in.readLine()) != null && !l.equals(".")) {
                            if (headers) {
                                if (l.isEmpty()) {
                                    headers = false;
                                } else if (l.regionMatches(true, 0, KEY_HEADER, 0, KEY_HEADER.length())) {
                                    key = l.substring(KEY_HEADER.length()).trim();
                                    if (!keys.add(key)) {
                                        duplicates.incrementAndGet();
                                    }
                                } else if (l.startsWith("To: ")) {
                                    to = l;
                                } else if (l.startsWith("Subject: ")) {
                                    subject = l;
                                }
                            }
                        }
                        if (key != null && to != null && subject != null) {
                            java.util.regex.Matcher t = TO_NUMBER.matcher(to);
                            java.util.regex.Matcher u = SUBJECT_NUMBER.matcher(subject);
                            if (t.find() && u.find() && !t.group(1).equals(u.group(1))) {
                                if (crossed.incrementAndGet() <= 10) {
                                    crossedSamples.add(key + " / " + to + " / " + subject);
                                }
                            }
                        }
                        reply(out, "250 2.0.0 Ok: queued as S" + messages.incrementAndGet());
                    }
                    case "QUIT" -> {
                        reply(out, "221 bye");
                        return;
                    }
                    default -> reply(out, "250 ok");
                }
            }
        } catch (IOException e) {
            // client gone
        }
    }

    private static void reply(OutputStream out, String s) throws IOException {
        out.write((s + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
