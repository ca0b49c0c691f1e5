package io.activation.api.web;

import io.activation.access.AccessControl;
import io.activation.access.ApiKey;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates every request under {@code /api/} and {@code /v1/} by API key: {@code Authorization: Bearer <key>},
 * {@code X-API-Key: <key>}, or HTTP Basic with the key as user name (how Segment clients send their write key).
 * A missing or unknown key is answered 401 before the body is read.
 */
class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    private final AccessControl access;

    ApiKeyAuthenticationFilter(AccessControl access) {
        this.access = access;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !(path.startsWith("/api/") || path.startsWith("/v1/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String secret = secret(request);
        if (secret == null) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"activation\"");
            ProblemWriter.write(request, response, 401, "unauthenticated", "Authentication required",
                    "Send an API key: 'Authorization: Bearer <key>', 'X-API-Key: <key>' or HTTP Basic with the key"
                            + " as user name", null);
            return;
        }
        Optional<ApiKey> key = access.authenticate(secret);
        if (key.isEmpty()) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"activation\", error=\"invalid_token\"");
            ProblemWriter.write(request, response, 401, "unauthenticated", "Invalid API key",
                    "The API key is unknown or revoked", null);
            return;
        }
        request.setAttribute(ApiPrincipal.ATTRIBUTE, ApiPrincipal.of(key.get()));
        chain.doFilter(request, response);
    }

    private static String secret(HttpServletRequest request) {
        String header = request.getHeader("X-API-Key");
        if (header != null && !header.isBlank()) {
            return header.trim();
        }
        String authorization = request.getHeader("Authorization");
        if (authorization == null) {
            return null;
        }
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon >= 0 ? decoded.substring(0, colon) : decoded;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }
}
