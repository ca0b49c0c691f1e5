package io.activation.architecture;

import io.activation.api.web.ApiPrincipal;
import jakarta.servlet.http.HttpServletRequest;

/** A "core" class (by package) that breaks the module rules on purpose, so ArchitectureTest shows they catch it. */
class ViolatingCoreClass {
    ApiPrincipal principal;

    String path(HttpServletRequest request) {
        return request.getRequestURI();
    }
}
