package io.activation.api.web;

import io.activation.ingest.IdempotencyKeys;
import io.activation.ingest.IdempotencyKeys.Claim;
import io.activation.ingest.IdempotencyKeys.KeyedRequest;
import io.activation.ingest.IdempotencyKeys.StoredResponse;
import io.activation.platform.ConflictException;
import io.activation.platform.InvalidInputException;
import io.activation.platform.JdbcTransactions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs a write under an idempotency key, in one transaction with it: the claim, the write, the outbox events and
 * the stored answer commit together or not at all. {@link #run} begins the application's (JPA) transaction;
 * {@link #runJdbc} a plain JDBC one, for work that uses no JPA repository (single-event ingest), so a request opens
 * no Hibernate session.
 */
@Component
public class Idempotency {

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    private static final int MAX_ATTEMPTS = 3;

    private final IdempotencyKeys keys;
    private final TransactionTemplate transactions;
    private final TransactionTemplate jdbcTransactions;
    private final JsonMapper json;

    Idempotency(IdempotencyKeys keys, TransactionTemplate transactions, JdbcTransactions jdbcTransactions,
            JsonMapper json) {
        this.keys = keys;
        this.transactions = transactions;
        this.jdbcTransactions = jdbcTransactions.template();
        this.json = json;
    }

    /**
     * Runs {@code work} once per key: a replay with the same fingerprint returns the stored answer, another payload
     * under the same key is a 409 problem. Without a key the work simply runs.
     */
    public ResponseEntity<?> run(ApiPrincipal principal, String key, byte[] fingerprint,
            Supplier<ResponseEntity<?>> work) {
        return run(transactions, principal, key, fingerprint, work);
    }

    /**
     * As {@link #run}, in a plain JDBC transaction ({@link JdbcTransactions}): for {@code work} that is JDBC
     * only (JdbcTemplate, {@code Outbox}, {@code IdempotencyKeys}) and calls no JPA repository, which would not take
     * part in it. Saves the Hibernate session a JPA transaction opens and closes around every request.
     */
    public ResponseEntity<?> runJdbc(ApiPrincipal principal, String key, byte[] fingerprint,
            Supplier<ResponseEntity<?>> work) {
        return run(jdbcTransactions, principal, key, fingerprint, work);
    }

    private ResponseEntity<?> run(TransactionTemplate transactions, ApiPrincipal principal, String key,
            byte[] fingerprint, Supplier<ResponseEntity<?>> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return once(transactions, principal, key, fingerprint, work);
            } catch (TransientDataAccessException e) {
                // A deadlock or lock timeout rolled everything back: nothing was written, so trying again is safe.
                if (attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private ResponseEntity<?> once(TransactionTemplate transactions, ApiPrincipal principal, String key,
            byte[] fingerprint, Supplier<ResponseEntity<?>> work) {
        if (key == null) {
            return transactions.execute(status -> work.get());
        }
        String checked = validKey(key, HEADER);
        // Optimistic first, as nearly every key is new: do the work, then record the key with its answer in the
        // same transaction, one insert instead of a claim and an update. When the key turns out to be taken (a
        // replay, or a concurrent request with that key, whose commit the insert waits for) or the work fails,
        // roll back and take the careful path, which claims the key before the work and so answers replays,
        // reuse with another payload and errors exactly as before.
        try {
            ResponseEntity<?> done = transactions.execute(status -> {
                ResponseEntity<?> response = work.get();
                if (keys.store(principal.idempotencyScope(), checked, fingerprint, stored(response))) {
                    return response;
                }
                status.setRollbackOnly();
                return null;
            });
            if (done != null) {
                return done;
            }
        } catch (RuntimeException e) {
            // Rolled back; the careful path below runs the work again and reports its failure.
        }
        return transactions.execute(status -> {
            Claim claim = keys.claim(principal.idempotencyScope(), checked, fingerprint);
            if (claim instanceof Claim.Replay replay) {
                return ResponseEntity.status(replay.response().status()).header(REPLAYED_HEADER, "true")
                        .contentType(MediaType.APPLICATION_JSON).body(replay.response().body());
            }
            if (claim instanceof Claim.Mismatch) {
                throw reused(HEADER);
            }
            ResponseEntity<?> response = work.get();
            keys.complete(principal.idempotencyScope(), checked, stored(response));
            return response;
        });
    }

    private StoredResponse stored(ResponseEntity<?> response) {
        return new StoredResponse(response.getStatusCode().value(), json.writeValueAsString(response.getBody()));
    }

    /**
     * Runs a batch whose items may carry their own keys, in the caller's transaction. {@code work} gets the indices
     * to process and returns each one's result object, whose {@code status} field is its HTTP-like status code.
     * Replayed items get their stored result (with {@code "replayed": true}); a key reused with another payload,
     * or used twice in the batch, rejects that item alone.
     */
    public Map<Integer, ObjectNode> runItems(ApiPrincipal principal, List<String> itemKeys, List<byte[]> fingerprints,
            Function<List<Integer>, Map<Integer, ObjectNode>> work) {
        Map<Integer, ObjectNode> results = new HashMap<>();
        List<KeyedRequest> requests = new ArrayList<>();
        Map<String, Integer> indexOfKey = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        List<Integer> toProcess = new ArrayList<>();
        for (int i = 0; i < itemKeys.size(); i++) {
            String key = itemKeys.get(i);
            if (key == null) {
                toProcess.add(i);
                continue;
            }
            String field = "items[" + i + "].idempotencyKey";
            try {
                validKey(key, field);
            } catch (InvalidInputException e) {
                results.put(i, Problems.itemProblem(e));
                continue;
            }
            if (!seen.add(key)) {
                results.put(i, Problems.itemProblem(new ConflictException("idempotency-key-reused", field,
                        "The idempotency key '" + key + "' is used by another item of this batch")));
                continue;
            }
            requests.add(new KeyedRequest(key, fingerprints.get(i)));
            indexOfKey.put(key, i);
        }
        Map<String, Claim> claims = keys.claimAll(principal.idempotencyScope(), requests);
        List<String> claimedKeys = new ArrayList<>();
        claims.forEach((key, claim) -> {
            int i = indexOfKey.get(key);
            if (claim instanceof Claim.Replay replay) {
                ObjectNode stored = (ObjectNode) json.readTree(replay.response().body());
                stored.put("replayed", true);
                results.put(i, stored);
            } else if (claim instanceof Claim.Mismatch) {
                results.put(i, Problems.itemProblem(reused("items[" + i + "].idempotencyKey")));
            } else {
                claimedKeys.add(key);
                toProcess.add(i);
            }
        });
        toProcess.sort(Integer::compare);
        results.putAll(work.apply(toProcess));
        Map<String, StoredResponse> completed = new LinkedHashMap<>();
        List<String> released = new ArrayList<>();
        for (String key : claimedKeys) {
            ObjectNode result = results.get(indexOfKey.get(key));
            int status = result.path("status").asInt(200);
            if (status >= 400) {
                released.add(key);
            } else {
                completed.put(key, new StoredResponse(status, json.writeValueAsString(result)));
            }
        }
        keys.completeAll(principal.idempotencyScope(), completed);
        keys.release(principal.idempotencyScope(), released);
        return results;
    }

    /**
     * {@link #runItems(ApiPrincipal, List, List, Function)} for the items of a {@code {"items": [...]}} batch:
     * each item's optional {@code "idempotencyKey"}, fingerprinted (only when it has one) with the request path.
     */
    public Map<Integer, ObjectNode> runItems(ApiPrincipal principal, JsonNode items, String path,
            Function<List<Integer>, Map<Integer, ObjectNode>> work) {
        List<String> keys = new ArrayList<>(items.size());
        List<byte[]> fingerprints = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String key = itemKey(items.get(i));
            keys.add(key);
            fingerprints.add(key == null ? null : CanonicalJson.fingerprint("ITEM", path, items.get(i)));
        }
        return runItems(principal, keys, fingerprints, work);
    }

    /** The optional per-item key of a batch item. */
    public static String itemKey(JsonNode item) {
        JsonNode key = item == null ? null : item.get("idempotencyKey");
        return key == null || key.isNull() ? null : key.isString() ? key.stringValue() : key.toString();
    }

    private static String validKey(String key, String field) {
        if (key.isEmpty() || key.length() > 255 || key.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw new InvalidInputException(field, "must be 1 to 255 printable ASCII characters");
        }
        return key;
    }

    private static ConflictException reused(String field) {
        return new ConflictException("idempotency-key-reused", field,
                "This idempotency key was already used with a different request; use a new key for a new request");
    }
}
