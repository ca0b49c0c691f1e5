package io.activation.access;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** An API key: its name, the hash of its secret, its scopes. The secret itself is never stored. */
@Entity
@Table(name = "api_keys")
public class ApiKey {

    @Id
    private UUID id;

    @Column(nullable = false)
    private String name;

    @Column(name = "key_hash", nullable = false, unique = true)
    private byte[] keyHash;

    @Column(name = "key_prefix", nullable = false)
    private String keyPrefix;

    @Column(nullable = false)
    private String scopes;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "revoked_at")
    private Instant revokedAt;

    protected ApiKey() {}

    ApiKey(String name, byte[] keyHash, String keyPrefix, Set<Scope> scopes, Instant createdAt) {
        this.id = UUID.randomUUID();
        this.name = name;
        this.keyHash = keyHash.clone();
        this.keyPrefix = keyPrefix;
        this.scopes = scopes.stream().map(Scope::wireName).sorted().collect(Collectors.joining(","));
        this.createdAt = createdAt;
    }

    public UUID id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** The first characters of the secret, to recognise a key in a list without revealing it. */
    public String prefix() {
        return keyPrefix;
    }

    public Set<Scope> scopes() {
        Set<Scope> set = EnumSet.noneOf(Scope.class);
        Arrays.stream(scopes.split(",")).filter(s -> !s.isBlank()).map(Scope::fromWire).forEach(set::add);
        return set;
    }

    public boolean allows(Scope scope) {
        Set<Scope> granted = scopes();
        return granted.contains(Scope.ADMIN) || granted.contains(scope);
    }

    public Instant createdAt() {
        return createdAt;
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    public Instant revokedAt() {
        return revokedAt;
    }

    void revoke(Instant at) {
        if (revokedAt == null) {
            revokedAt = at;
        }
    }
}
