package io.activation.channels.email;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small SMTP server for fault injection, on a dynamic port of 127.0.0.1: it accepts everything unless told to
 * answer a given reply at a given step ({@code GREETING}, {@code EHLO}, {@code MAIL}, {@code RCPT}, {@code DATA},
 * {@code DOT} = the reply to the end of the message), or to stall (never answer) after the end of DATA, or to drop the
 * connection after each message. It records every message it received in full (after dot-unstuffing), as the wire
 * bytes the client sent, and counts connections.
 */
final class ScriptedSmtpServer implements AutoCloseable {

    private final ServerSocket server;
    private final Map<String, String> replies = new ConcurrentHashMap<>();
    private final List<String> accepted = new CopyOnWriteArrayList<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final CountDownLatch stallRelease = new CountDownLatch(1);
    private volatile boolean stallAfterData;
    private volatile boolean dropAfterMessage;
    private final Thread acceptor;

    ScriptedSmtpServer() {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        acceptor = new Thread(this::acceptLoop, "scripted-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Answer {@code reply} (e.g. "451 4.3.0 try later") at {@code step} from now on. */
    ScriptedSmtpServer reply(String step, String reply) {
        replies.put(step.toUpperCase(Locale.ROOT), reply);
        return this;
    }

    ScriptedSmtpServer normal() {
        replies.clear();
        stallAfterData = false;
        dropAfterMessage = false;
        return this;
    }

    ScriptedSmtpServer stallAfterData() {
        stallAfterData = true;
        return this;
    }

    ScriptedSmtpServer dropAfterMessage() {
        dropAfterMessage = true;
        return this;
    }

    /** Messages answered 250 at the end of DATA. */
    List<String> accepted() {
        return accepted;
    }

    /** Every message whose end of DATA arrived, whatever the answer. */
    List<String> received() {
        return received;
    }

    List<String> commands() {
        return commands;
    }

    int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(socket), "scripted-smtp-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            String greeting = replies.getOrDefault("GREETING", "220 scripted ESMTP");
            send(out, greeting);
            if (!greeting.startsWith("2")) {
                return;
            }
            String line;
            while ((line = in.readLine()) != null) {
                commands.add(line);
                String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO", "HELO" -> send(out, replies.getOrDefault("EHLO", "250-scripted\r\n250 8BITMIME"));
                    case "MAIL" -> send(out, replies.getOrDefault("MAIL", "250 2.1.0 ok"));
                    case "RCPT" -> send(out, replies.getOrDefault("RCPT", "250 2.1.5 ok"));
                    case "RSET", "NOOP" -> send(out, "250 2.0.0 ok");
                    case "QUIT" -> {
                        send(out, "221 2.0.0 bye");
                        return;
                    }
                    case "DATA" -> {
                        String dataReply = replies.getOrDefault("DATA", "354 go ahead");
                        send(out, dataReply);
                        if (!dataReply.startsWith("3")) {
                            continue;
                        }
                        StringBuilder message = new StringBuilder();
                        String l;
                        while ((l = in.readLine()) != null && !l.equals(".")) {
                            message.append(l.startsWith("..") ? l.substring(1) : l).append("\r\n");
                        }
                        received.add(message.toString());
                        if (stallAfterData) {
                            stallRelease.await(60, TimeUnit.SECONDS);
                            return;
                        }
                        String dot = replies.getOrDefault("DOT", "250 2.0.0 Ok: queued as Q" + received.size());
                        if (dot.startsWith("2")) {
                            accepted.add(message.toString());
                        }
                        send(out, dot);
                        if (dropAfterMessage || dot.startsWith("421")) {
                            return;
                        }
                    }
                    default -> send(out, "502 5.5.2 unknown command");
                }
                if (line.toUpperCase(Locale.ROOT).startsWith("MAIL") && replies.getOrDefault("MAIL", "")
                        .startsWith("421")) {
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() {
        stallRelease.countDown();
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
