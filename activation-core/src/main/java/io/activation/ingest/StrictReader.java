package io.activation.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.HexFormat;

/**
 * Decodes a CSV file and refuses what is not text in its character set, saying on which line and at which byte:
 * {@link java.io.InputStreamReader} would either replace bad bytes silently or fail somewhere in its read-ahead.
 * Drops a byte-order mark at the start and refuses lines longer than {@link #MAX_LINE_CHARS}, which keeps one
 * broken record from filling the memory.
 */
final class StrictReader extends Reader {

    static final int MAX_LINE_CHARS = 1_000_000;

    /** Bytes that are not text in the file's character set. */
    static final class MalformedText extends IOException {
        final long line;

        MalformedText(long line, String message) {
            super(message);
            this.line = line;
        }
    }

    private final InputStream in;
    private final CharsetDecoder decoder;
    private final String charsetName;
    private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16);
    private final CharBuffer chars = CharBuffer.allocate(1 << 16);
    private long bytesBeforeBuffer;
    private long newlines;
    private long lineChars;
    private boolean eof;
    private boolean started;

    StrictReader(InputStream in, Charset charset) {
        this.in = in;
        this.charsetName = charset.name();
        this.decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        chars.flip();
    }

    @Override
    public int read(char[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (!chars.hasRemaining()) {
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(length, chars.remaining());
        chars.get(target, offset, n);
        return n;
    }

    /** Decodes the next piece; false at the end of the input. */
    private boolean fill() throws IOException {
        if (eof && bytes.position() == 0) {
            return false;
        }
        chars.clear();
        if (!eof && bytes.position() < bytes.capacity()) {
            int n = in.read(bytes.array(), bytes.position(), bytes.capacity() - bytes.position());
            if (n < 0) {
                eof = true;
            } else {
                bytes.position(bytes.position() + n);
            }
        }
        bytes.flip();
        int charsBefore = chars.position();
        CoderResult result = decoder.decode(bytes, chars, eof);
        if (eof && result.isUnderflow()) {
            result = decoder.flush(chars);
        }
        count(charsBefore);
        if (result.isError()) {
            throw malformed(result);
        }
        if (eof && bytes.hasRemaining() && result.isUnderflow()) {
            throw malformed(CoderResult.malformedForLength(bytes.remaining()));
        }
        bytesBeforeBuffer += bytes.position();
        bytes.compact();
        chars.flip();
        if (!started && chars.hasRemaining()) {
            started = true;
            if (chars.hasRemaining() && chars.get(chars.position()) == '\uFEFF') {
                chars.get();
            }
        }
        return true;
    }

    private void count(int from) throws IOException {
        char[] array = chars.array();
        for (int i = from; i < chars.position(); i++) {
            if (array[i] == '\n') {
                newlines++;
                lineChars = 0;
            } else if (++lineChars > MAX_LINE_CHARS) {
                throw new MalformedText(newlines + 1, "line " + (newlines + 1) + " is longer than " + MAX_LINE_CHARS
                        + " characters");
            }
        }
    }

    private MalformedText malformed(CoderResult result) {
        long offset = bytesBeforeBuffer + bytes.position();
        int length = Math.min(result.length(), bytes.remaining());
        byte[] bad = new byte[Math.max(length, 0)];
        bytes.get(bytes.position(), bad);
        long line = newlines + 1;
        return new MalformedText(line, "is not valid " + charsetName + " text: line " + line + " has the byte"
                + (bad.length == 1 ? " " : "s ") + HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bad)
                + " (at byte " + offset + " of the file), which is not a character in " + charsetName
                + "; save the file as " + charsetName + " or set options.encoding");
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
