package io.activation.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/** Checks the {@link RequiresScope} of the handler against the authenticated key; no annotation, no access. */
class ScopeInterceptor implements HandlerInterceptor {

    private record Handler(Class<?> beanType, Method method) {}

    /** The scope each handler declares, looked up once: merged-annotation scans showed in ingest profiles. */
    private final ConcurrentMap<Handler, Optional<RequiresScope>> declared = new ConcurrentHashMap<>();

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws Exception {
        ApiPrincipal principal = ApiPrincipal.from(request);
        if (principal == null || !(handler instanceof HandlerMethod method)) {
            return true; // not an authenticated path (the filter decides which are)
        }
        RequiresScope required = declared.computeIfAbsent(new Handler(method.getBeanType(), method.getMethod()),
                ScopeInterceptor::declaredScope).orElse(null);
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

    private static Optional<RequiresScope> declaredScope(Handler handler) {
        RequiresScope required = AnnotatedElementUtils.findMergedAnnotation(handler.method(), RequiresScope.class);
        if (required == null) {
            required = AnnotatedElementUtils.findMergedAnnotation(handler.beanType(), RequiresScope.class);
        }
        return Optional.ofNullable(required);
    }
}
