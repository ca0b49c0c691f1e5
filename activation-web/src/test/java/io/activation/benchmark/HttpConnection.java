package io.activation.benchmark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection to the application on loopback, with just enough of the protocol for the
 * benchmark: a request with a JSON body, an answer with {@code Content-Length} or chunked body. It costs a fraction
 * of what {@link java.net.http.HttpClient} costs per request, which matters when the load generator shares two cores
 * with the application, PostgreSQL and Kafka. Reconnects when the server closes (Tomcat closes a keep-alive
 * connection after {@code max-keep-alive-requests}, 100 by default). Not thread-safe: one per worker thread.
 */
final class HttpConnection implements AutoCloseable {

    /** An answer: status code and body. */
    record Answer(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String host;
    private final int port;
    private final byte[] fixedHeaders;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private long connects;

    HttpConnection(String host, int port, String apiKey) {
        this.host = host;
        this.port = port;
        this.fixedHeaders = ("Host: " + host + ":" + port + "\r\nAuthorization: Bearer " + apiKey
                + "\r\nContent-Type: application/json\r\nAccept: application/json\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** How many TCP connections this object opened so far. */
    long connects() {
        return connects;
    }

    /** POSTs {@code body} to {@code path}; {@code idempotencyKey} may be null. */
    Answer post(String path, String idempotencyKey, byte[] body) throws IOException {
        if (socket == null) {
            connect();
        }
        try {
            return exchange(path, idempotencyKey, body);
        } catch (IOException e) {
            // The server may have closed an idle keep-alive connection just before we wrote: one fresh attempt.
            close();
            connect();
            return exchange(path, idempotencyKey, body);
        }
    }

    private Answer exchange(String path, String idempotencyKey, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(128).append("POST ").append(path).append(" HTTP/1.1\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(fixedHeaders);
        StringBuilder more = new StringBuilder(96);
        if (idempotencyKey != null) {
            more.append("Idempotency-Key: ").append(idempotencyKey).append("\r\n");
        }
        more.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        out.write(more.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return readAnswer();
    }

    private Answer readAnswer() throws IOException {
        String statusLine = readLine();
        if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.1 ")) {
            throw new IOException("Not an HTTP/1.1 status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean closeAfter = false;
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                closeAfter = true;
            }
        }
        byte[] body;
        if (chunked) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            while (true) {
                String size = readLine();
                int semicolon = size.indexOf(';');
                int n = Integer.parseInt((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
                if (n == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers: none expected, skip
                    }
                    break;
                }
                buffer.write(in.readNBytes(n));
                readLine();
            }
            body = buffer.toByteArray();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new EOFException("Body cut short");
            }
        } else {
            body = in.readAllBytes();
            closeAfter = true;
        }
        if (closeAfter) {
            close();
        }
        return new Answer(status, body);
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Connection closed by the server");
            }
            if (b == '\n') {
                int last = line.length() - 1;
                if (last >= 0 && line.charAt(last) == '\r') {
                    line.setLength(last);
                }
                return line.toString();
            }
            line.append((char) b);
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), 5_000);
        s.setSoTimeout(60_000);
        socket = s;
        out = new BufferedOutputStream(s.getOutputStream(), 32 * 1024);
        in = new BufferedInputStream(s.getInputStream(), 32 * 1024);
        connects++;
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        socket = null;
        out = null;
        in = null;
    }
}
