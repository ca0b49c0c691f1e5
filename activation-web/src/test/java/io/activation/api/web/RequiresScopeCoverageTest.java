package io.activation.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Every handler the running application maps under {@code /api/**} or {@code /v1/**} declares the scope it needs,
 * so a new endpoint without {@link RequiresScope} fails the build rather than answering 403 in production.
 */
class RequiresScopeCoverageTest extends ApiTest {

    @Autowired
    ApplicationContext context;

    @Test
    void everyApiHandlerDeclaresItsScope() {
        List<String> apiHandlers = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (RequestMappingHandlerMapping mapping : context.getBeansOfType(RequestMappingHandlerMapping.class)
                .values()) {
            for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : mapping.getHandlerMethods().entrySet()) {
                Set<String> paths = entry.getKey().getPatternValues();
                if (paths.stream().noneMatch(RequiresScopeCoverageTest::isApiPath)) {
                    continue;
                }
                String name = paths + " " + entry.getValue().getShortLogMessage();
                apiHandlers.add(name);
                if (!declaresScope(entry.getValue().getBeanType(), entry.getValue().getMethod())) {
                    missing.add(name);
                }
            }
        }
        assertThat(apiHandlers).as("the mappings were found").hasSizeGreaterThanOrEqualTo(20)
                .anyMatch(h -> h.contains("/api/v1/contacts/{externalId}"))
                .anyMatch(h -> h.contains("/api/v1/api-keys"))
                .anyMatch(h -> h.contains("/api/v1/tables/{table}/rows/batch"));
        assertThat(missing).as("handlers without @RequiresScope").isEmpty();
    }

    @Test
    void theCheckSeesAMissingScope() throws Exception {
        assertThat(declaresScope(Unguarded.class, Unguarded.class.getDeclaredMethod("open"))).isFalse();
        assertThat(declaresScope(Unguarded.class, Unguarded.class.getDeclaredMethod("guarded"))).isTrue();
        assertThat(isApiPath("/api/v1/x")).isTrue();
        assertThat(isApiPath("/v1/track")).isTrue();
        assertThat(isApiPath("/console")).isFalse();
    }

    /** The same lookup {@link ScopeInterceptor} does: on the method, else on its class. */
    static boolean declaresScope(Class<?> beanType, Method method) {
        return AnnotatedElementUtils.findMergedAnnotation(method, RequiresScope.class) != null
                || AnnotatedElementUtils.findMergedAnnotation(beanType, RequiresScope.class) != null;
    }

    static boolean isApiPath(String pattern) {
        return pattern.startsWith("/api/") || pattern.equals("/api") || pattern.startsWith("/v1/")
                || pattern.equals("/v1");
    }

    static class Unguarded {
        @GetMapping("/api/v1/open")
        void open() {}

        @GetMapping("/api/v1/guarded")
        @RequiresScope(io.activation.access.Scope.READ)
        void guarded() {}
    }
}
