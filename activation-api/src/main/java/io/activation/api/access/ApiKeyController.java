package io.activation.api.access;

import io.activation.access.AccessControl;
import io.activation.access.ApiKey;
import io.activation.access.IssuedApiKey;
import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@Tag(name = "API keys", description = "Issue (secret shown once), list and revoke API keys")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/api-keys", produces = MediaType.APPLICATION_JSON_VALUE)
@RequiresScope(Scope.ADMIN)
class ApiKeyController {

    record IssueRequest(String name, List<String> scopes) {}

    record KeyView(UUID id, String name, String prefix, Set<String> scopes, String createdAt, String revokedAt) {
        static KeyView of(ApiKey key) {
            return new KeyView(key.id(), key.name(), key.prefix(),
                    key.scopes().stream().map(Scope::wireName).collect(java.util.stream.Collectors.toSet()),
                    key.createdAt().toString(), key.revokedAt() == null ? null : key.revokedAt().toString());
        }
    }

    record Issued(KeyView key, String secret) {}

    private final AccessControl access;

    ApiKeyController(AccessControl access) {
        this.access = access;
    }

    @Operation(summary = "Issue an API key", description = "The secret is in this answer and never again.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Issued> issue(@RequestBody IssueRequest request) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        List<String> sent = request.scopes() == null ? List.of() : request.scopes();
        for (int i = 0; i < sent.size(); i++) {
            try {
                scopes.add(Scope.fromWire(sent.get(i)));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new InvalidInputException("scopes[" + i + "]", "must be one of ingest, read, admin");
            }
        }
        IssuedApiKey issued = access.issue(request.name(), scopes);
        return ResponseEntity.status(HttpStatus.CREATED).body(new Issued(KeyView.of(issued.key()), issued.secret()));
    }

    @Operation(summary = "List API keys (without secrets)")
    @GetMapping
    List<KeyView> list() {
        return access.list().stream().map(KeyView::of).toList();
    }

    @Operation(summary = "Revoke an API key")
    @DeleteMapping("/{id}")
    KeyView revoke(@PathVariable UUID id) {
        return KeyView.of(access.revoke(id));
    }
}
