package io.activation.access;

import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Issues, verifies and revokes API keys. Verification is cached for a few seconds per secret hash, so ingest at
 * thousands of requests per second costs no query per request; a revocation is seen by other nodes within that
 * time and by this node at once.
 */
@Service
public class AccessControl {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int SECRET_LENGTH = 40;
    private static final Duration CACHE_FOR = Duration.ofSeconds(10);

    private record Cached(Optional<ApiKey> key, long at) {}

    private final ApiKeys keys;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentMap<String, Cached> cache = new ConcurrentHashMap<>();

    AccessControl(ApiKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    @Transactional
    public IssuedApiKey issue(String name, Set<Scope> scopes) {
        validate(name, scopes);
        StringBuilder secret = new StringBuilder("act_");
        for (int i = 0; i < SECRET_LENGTH; i++) {
            secret.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return store(name, scopes, secret.toString());
    }

    /** Creates an admin key with the given secret unless a key with that secret exists. */
    @Transactional
    public boolean ensure(String name, String secret, Set<Scope> scopes) {
        if (keys.findByKeyHash(hash(secret)).isPresent()) {
            return false;
        }
        store(name, scopes, secret);
        return true;
    }

    /**
     * The active key with this secret, if any. Not transactional on purpose: a cache hit, the case of nearly every
     * request, must not cost a transaction and a pooled connection; a miss reads in the repository's own
     * read-only transaction.
     */
    public Optional<ApiKey> authenticate(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 200) {
            return Optional.empty();
        }
        byte[] hash = hash(secret);
        String cacheKey = java.util.HexFormat.of().formatHex(hash);
        long now = System.nanoTime();
        Cached cached = cache.get(cacheKey);
        if (cached != null && now - cached.at() < CACHE_FOR.toNanos()) {
            return cached.key();
        }
        Optional<ApiKey> key = keys.findByKeyHash(hash).filter(k -> !k.revoked());
        if (cache.size() > 10_000) {
            cache.clear();
        }
        cache.put(cacheKey, new Cached(key, now));
        return key;
    }

    @Transactional(readOnly = true)
    public List<ApiKey> list() {
        return keys.findAllByOrderByCreatedAtAsc();
    }

    @Transactional(readOnly = true)
    public boolean any() {
        return keys.count() > 0;
    }

    @Transactional
    public ApiKey revoke(UUID id) {
        ApiKey key = keys.findById(id).orElseThrow(() -> new NotFoundException("id", "There is no API key " + id));
        key.revoke(clock.instant().truncatedTo(ChronoUnit.MICROS));
        cache.clear();
        return key;
    }

    private IssuedApiKey store(String name, Set<Scope> scopes, String secret) {
        ApiKey key = keys.save(new ApiKey(name, hash(secret), secret.substring(0, Math.min(8, secret.length())),
                scopes, clock.instant().truncatedTo(ChronoUnit.MICROS)));
        cache.clear(); // a failed lookup of this secret may be cached
        return new IssuedApiKey(key, secret);
    }

    private static void validate(String name, Set<Scope> scopes) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new InvalidInputException("name", "is required, at most 100 characters");
        }
        if (!printable(name)) {
            throw new InvalidInputException("name", "must be printable text: no control characters (such as"
                    + " \\u0000) and no unpaired UTF-16 surrogates");
        }
        if (scopes == null || scopes.isEmpty()) {
            throw new InvalidInputException("scopes", "at least one of ingest, read, admin");
        }
    }

    /** Text PostgreSQL stores as sent: no NUL or other control character, no half of a surrogate pair. */
    private static boolean printable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
