package io.activation.ingest;

import io.activation.platform.JdbcTransactions;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Idempotency keys with Stripe's semantics, claimed in the transaction of the write they guard. The first request
 * with a key claims it (a concurrent second one waits on the unique index until the first commits or rolls back),
 * does its work and stores its answer; a later request with the same key and the same payload gets that answer,
 * with a different payload a conflict. A request that fails is rolled back with its claim, so a corrected retry
 * with the same key is accepted. Every method but {@link #expire} runs in the caller's transaction, JPA or plain
 * JDBC ({@link JdbcTransactions}), and refuses to run outside one.
 */
@Component
public class IdempotencyKeys {

    /** The stored answer of a request: HTTP-agnostic status code and JSON body. */
    public record StoredResponse(int status, String body) {}

    /** What claiming a key found. */
    public sealed interface Claim {
        /** The key is new: do the work, then {@link #complete}. */
        record Claimed() implements Claim {}

        /** The key was used for this same request: answer with what was stored. */
        record Replay(StoredResponse response) implements Claim {}

        /** The key was used for a different request. */
        record Mismatch() implements Claim {}
    }

    /** One key of a batch, with the fingerprint of its item. */
    public record KeyedRequest(String key, byte[] fingerprint) {}

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final IngestProperties properties;

    IdempotencyKeys(JdbcTemplate jdbc, Clock clock, IngestProperties properties) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
    }

    public Claim claim(String scope, String key, byte[] fingerprint) {
        JdbcTransactions.requireActive("IdempotencyKeys.claim");
        return claimAll(scope, List.of(new KeyedRequest(key, fingerprint))).get(key);
    }

    /** Claims the keys of a batch at once; duplicate keys inside one batch are the caller's to reject. */
    public Map<String, Claim> claimAll(String scope, List<KeyedRequest> requests) {
        JdbcTransactions.requireActive("IdempotencyKeys.claimAll");
        Map<String, Claim> claims = new LinkedHashMap<>();
        if (requests.isEmpty()) {
            return claims;
        }
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        // Claimed in key order by every transaction, so two batches with the same keys never deadlock.
        List<KeyedRequest> ordered = requests.stream().sorted(Comparator.comparing(KeyedRequest::key)).toList();
        String[] keys = ordered.stream().map(KeyedRequest::key).toArray(String[]::new);
        byte[][] hashes = ordered.stream().map(KeyedRequest::fingerprint).toArray(byte[][]::new);
        Set<String> claimed = new HashSet<>();
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement("""
                    insert into idempotency_keys (scope, key, request_hash, status, response, created_at)
                    select ?, k, h, 0, '', ? from unnest(?::varchar[], ?::bytea[]) as t(k, h)
                    on conflict (scope, key) do nothing
                    returning key""");
            ps.setString(1, scope);
            ps.setObject(2, now);
            ps.setArray(3, connection.createArrayOf("varchar", keys));
            ps.setArray(4, connection.createArrayOf("bytea", hashes));
            return ps;
        }, rs -> {
            claimed.add(rs.getString(1));
        });
        List<String> taken = new ArrayList<>();
        for (String key : keys) {
            if (!claimed.contains(key)) {
                taken.add(key);
            }
        }
        Map<String, Object[]> stored = new HashMap<>();
        if (!taken.isEmpty()) {
            jdbc.query(connection -> {
                PreparedStatement ps = connection.prepareStatement(
                        "select key, request_hash, status, response from idempotency_keys where scope = ? and key = any(?)");
                ps.setString(1, scope);
                ps.setArray(2, connection.createArrayOf("varchar", taken.toArray()));
                return ps;
            }, rs -> {
                stored.put(rs.getString(1), new Object[] {rs.getBytes(2), rs.getInt(3), rs.getString(4)});
            });
        }
        for (KeyedRequest request : requests) {
            if (claimed.contains(request.key())) {
                claims.put(request.key(), new Claim.Claimed());
                continue;
            }
            Object[] row = stored.get(request.key());
            if (row == null) {
                // Expired and deleted between the insert and the select: treat as a mismatch-free retry.
                claims.put(request.key(), new Claim.Mismatch());
            } else if (Arrays.equals((byte[]) row[0], request.fingerprint())) {
                claims.put(request.key(), new Claim.Replay(new StoredResponse((Integer) row[1], (String) row[2])));
            } else {
                claims.put(request.key(), new Claim.Mismatch());
            }
        }
        return claims;
    }

    /**
     * Records a key with its answer at once, for work done before claiming it (see the API's optimistic path);
     * false when the key is taken. A concurrent request holding the same key makes this wait until it commits or
     * rolls back, as a claim would.
     */
    public boolean store(String scope, String key, byte[] fingerprint, StoredResponse response) {
        JdbcTransactions.requireActive("IdempotencyKeys.store");
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        return jdbc.update("""
                insert into idempotency_keys (scope, key, request_hash, status, response, created_at)
                values (?, ?, ?, ?, ?, ?)
                on conflict (scope, key) do nothing""", scope, key, fingerprint, response.status(), response.body(),
                now) == 1;
    }

    public void complete(String scope, String key, StoredResponse response) {
        JdbcTransactions.requireActive("IdempotencyKeys.complete");
        jdbc.update("update idempotency_keys set status = ?, response = ? where scope = ? and key = ?",
                response.status(), response.body(), scope, key);
    }

    public void completeAll(String scope, Map<String, StoredResponse> responses) {
        JdbcTransactions.requireActive("IdempotencyKeys.completeAll");
        if (responses.isEmpty()) {
            return;
        }
        String[] keys = new String[responses.size()];
        Integer[] statuses = new Integer[keys.length];
        String[] bodies = new String[keys.length];
        int i = 0;
        for (Map.Entry<String, StoredResponse> e : responses.entrySet()) {
            keys[i] = e.getKey();
            statuses[i] = e.getValue().status();
            bodies[i++] = e.getValue().body();
        }
        // One statement for the whole batch (a JDBC batch would execute one update per key).
        jdbc.update(connection -> {
            PreparedStatement ps = connection.prepareStatement("""
                    update idempotency_keys k set status = x.s, response = x.r
                    from unnest(?::varchar[], ?::integer[], ?::text[]) as x(key, s, r)
                    where k.scope = ? and k.key = x.key""");
            ps.setArray(1, connection.createArrayOf("varchar", keys));
            ps.setArray(2, connection.createArrayOf("integer", statuses));
            ps.setArray(3, connection.createArrayOf("text", bodies));
            ps.setString(4, scope);
            return ps;
        });
    }

    /** Releases claims whose work was rejected, so a corrected retry with the same key is accepted. */
    public void release(String scope, List<String> keys) {
        JdbcTransactions.requireActive("IdempotencyKeys.release");
        if (keys.isEmpty()) {
            return;
        }
        jdbc.update(connection -> {
            PreparedStatement ps = connection.prepareStatement(
                    "delete from idempotency_keys where scope = ? and key = any(?)");
            ps.setString(1, scope);
            ps.setArray(2, connection.createArrayOf("varchar", keys.toArray()));
            return ps;
        });
    }

    /** Forgets keys older than the retention. */
    @Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT1M")
    public int expire() {
        OffsetDateTime cutoff = OffsetDateTime.ofInstant(clock.instant().minus(properties.idempotencyRetention()),
                ZoneOffset.UTC);
        return jdbc.update("delete from idempotency_keys where created_at < ?", cutoff);
    }
}
