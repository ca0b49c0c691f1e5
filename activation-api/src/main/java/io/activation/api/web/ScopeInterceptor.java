package io.activation.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/** Checks the {@link RequiresScope} of the handler against the authenticated key; no annotation, no access. */
class ScopeInterceptor implements HandlerInterceptor {

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws Exception {
        ApiPrincipal principal = ApiPrincipal.from(request);
        if (principal == null || !(handler instanceof HandlerMethod method)) {
            return true; // not an authenticated path (the filter decides which are)
        }
        RequiresScope required = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(), RequiresScope.class);
        if (required == null) {
            required = AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), RequiresScope.class);
        }
        if (required == null) {
            ProblemWriter.write(request, response, 403, "forbidden", "Forbidden",
                    "This endpoint declares no scope and is closed", null);
            return false;
        }
        if (!principal.allows(required.value())) {
            ProblemWriter.write(request, response, 403, "forbidden", "Forbidden",
                    "The API key '" + principal.keyName() + "' lacks the scope '" + required.value().wireName()
                            + "' this endpoint needs", null);
            return false;
        }
        return true;
    }
}
