package io.activation.api.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses JSON bodies that are not well-formed UTF-8 (RFC 3629), as they are read. Jackson decodes some invalid
 * sequences instead of rejecting them (an overlong {@code C0 AF} becomes '/', an encoded surrogate becomes half a
 * pair), which would let bytes that no UTF-8 client sends reach the data as other characters.
 */
class Utf8BodyFilter extends OncePerRequestFilter {

    /** Thrown while reading a body with an invalid byte sequence; the problem handler answers 400. */
    static final class InvalidUtf8Exception extends IOException {
        InvalidUtf8Exception(String message) {
            super(message);
        }
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).contains("json")) {
            return true;
        }
        String encoding = request.getHeader("Content-Encoding");
        if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
            return true; // compressed: whoever decompresses checks the text (see Utf8)
        }
        String charset = request.getCharacterEncoding();
        return charset != null && !charset.equalsIgnoreCase("UTF-8");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(new ValidatedRequest(request), response);
    }

    /** A streaming check of UTF-8 well-formedness: no overlong forms, no surrogates, nothing above U+10FFFF. */
    static final class Validator {
        private int pending;
        private int lower = 0x80;
        private int upper = 0xBF;
        private long offset;

        void accept(int b) throws InvalidUtf8Exception {
            if (pending == 0) {
                if (b >= 0xC2 && b <= 0xDF) {
                    pending = 1;
                } else if (b == 0xE0) {
                    pending = 2;
                    lower = 0xA0;
                } else if (b == 0xED) {
                    pending = 2;
                    upper = 0x9F;
                } else if (b >= 0xE1 && b <= 0xEF) {
                    pending = 2;
                } else if (b == 0xF0) {
                    pending = 3;
                    lower = 0x90;
                } else if (b == 0xF4) {
                    pending = 3;
                    upper = 0x8F;
                } else if (b >= 0xF1 && b <= 0xF3) {
                    pending = 3;
                } else if (b >= 0x80) {
                    throw invalid(b);
                }
            } else {
                if (b < lower || b > upper) {
                    throw invalid(b);
                }
                lower = 0x80;
                upper = 0xBF;
                pending--;
            }
            offset++;
        }

        void end() throws InvalidUtf8Exception {
            if (pending != 0) {
                throw new InvalidUtf8Exception("The body is not valid UTF-8: it ends inside a multi-byte sequence");
            }
        }

        private InvalidUtf8Exception invalid(int b) {
            return new InvalidUtf8Exception(String.format(Locale.ROOT,
                    "The body is not valid UTF-8: byte 0x%02X at offset %d", b, offset));
        }
    }

    private static final class ValidatedRequest extends HttpServletRequestWrapper {
        private ServletInputStream stream;

        ValidatedRequest(HttpServletRequest request) {
            super(request);
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                ServletInputStream in = super.getInputStream();
                Validator validator = new Validator();
                stream = new ServletInputStream() {
                    @Override
                    public int read() throws IOException {
                        int b = in.read();
                        if (b < 0) {
                            validator.end();
                        } else {
                            validator.accept(b);
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] buffer, int off, int len) throws IOException {
                        int n = in.read(buffer, off, len);
                        if (n < 0) {
                            validator.end();
                        }
                        for (int i = 0; i < n; i++) {
                            validator.accept(buffer[off + i] & 0xFF);
                        }
                        return n;
                    }

                    @Override
                    public boolean isFinished() {
                        return in.isFinished();
                    }

                    @Override
                    public boolean isReady() {
                        return in.isReady();
                    }

                    @Override
                    public void setReadListener(ReadListener listener) {
                        in.setReadListener(listener);
                    }
                };
            }
            return stream;
        }
    }
}
