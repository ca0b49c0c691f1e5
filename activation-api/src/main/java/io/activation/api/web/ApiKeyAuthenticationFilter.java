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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates every request under {@code /api/} and {@code /v1/} by API key: {@code Authorization: Bearer <key>},
 * {@code X-API-Key: <key>}, or HTTP Basic with the key as user name (how Segment clients send their write key).
 * A missing or unknown key is answered 401 before the body is read.
 */
class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    /**
     * The principal made of a verified key, kept while AccessControl answers with that same key object ({@code
     * source}: compared by identity only, never read).
     */
    private record Made(Object source, ApiPrincipal principal) {}

    private final AccessControl access;
    private final ConcurrentMap<UUID, Made> principals = new ConcurrentHashMap<>();

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
        request.setAttribute(ApiPrincipal.ATTRIBUTE, principal(key.get()));
        chain.doFilter(request, response);
    }

    /**
     * The principal of a key AccessControl verified for this request. Built once per key object (its scopes are
     * parsed from text): AccessControl decides every request, including revocation, and hands out a new object
     * whenever it reads the key again, which builds a new principal.
     */
    private ApiPrincipal principal(ApiKey key) {
        Made made = principals.get(key.id());
        if (made == null || made.source() != key) {
            if (principals.size() > 10_000) {
                principals.clear();
            }
            made = new Made(key, ApiPrincipal.of(key));
            principals.put(key.id(), made);
        }
        return made.principal();
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
