package io.activation.api.web;

import io.activation.access.ApiKey;
import io.activation.access.Scope;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import java.util.UUID;

/** The API key a request authenticated with. Controllers take it as a parameter. */
public record ApiPrincipal(UUID keyId, String keyName, Set<Scope> scopes) {

    static final String ATTRIBUTE = ApiPrincipal.class.getName();

    static ApiPrincipal of(ApiKey key) {
        return new ApiPrincipal(key.id(), key.name(), key.scopes());
    }

    public boolean allows(Scope scope) {
        return scopes.contains(Scope.ADMIN) || scopes.contains(scope);
    }

    /** Idempotency keys are scoped per API key, as Stripe scopes them per account. */
    public String idempotencyScope() {
        return keyId.toString();
    }

    static ApiPrincipal from(HttpServletRequest request) {
        return (ApiPrincipal) request.getAttribute(ATTRIBUTE);
    }
}
