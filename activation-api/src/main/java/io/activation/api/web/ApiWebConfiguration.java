package io.activation.api.web;

import io.activation.access.AccessControl;
import io.activation.ingest.IngestProperties;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class ApiWebConfiguration implements WebMvcConfigurer {

    static {
        // Bodies where absent-vs-null matters are JSON trees; document them as JSON objects, not as Jackson beans.
        org.springdoc.core.utils.SpringDocUtils.getConfig()
                .replaceWithSchema(tools.jackson.databind.JsonNode.class, new io.swagger.v3.oas.models.media.ObjectSchema())
                .replaceWithSchema(tools.jackson.databind.node.ObjectNode.class,
                        new io.swagger.v3.oas.models.media.ObjectSchema());
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new ScopeInterceptor()).addPathPatterns("/api/**", "/v1/**");
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new ApiPrincipalResolver());
    }

    @Bean
    FilterRegistrationBean<BodySizeLimitFilter> bodySizeLimitFilter(IngestProperties properties) {
        FilterRegistrationBean<BodySizeLimitFilter> registration = new FilterRegistrationBean<>(
                new BodySizeLimitFilter(properties.maxBodySize().toBytes()));
        registration.addUrlPatterns("/api/*", "/v1/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return registration;
    }

    @Bean
    FilterRegistrationBean<Utf8BodyFilter> utf8BodyFilter() {
        FilterRegistrationBean<Utf8BodyFilter> registration = new FilterRegistrationBean<>(new Utf8BodyFilter());
        registration.addUrlPatterns("/api/*", "/v1/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 30);
        return registration;
    }

    @Bean
    FilterRegistrationBean<ApiKeyAuthenticationFilter> apiKeyAuthenticationFilter(AccessControl access) {
        FilterRegistrationBean<ApiKeyAuthenticationFilter> registration = new FilterRegistrationBean<>(
                new ApiKeyAuthenticationFilter(access));
        registration.addUrlPatterns("/api/*", "/v1/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    @Bean
    OpenAPI activationOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Activation API").version("v1")
                        .description("Ingest contacts, rows of the shop's tables and behavioural events; define the"
                                + " data model; Segment-compatible tracking under /v1; segments, consent, RFM, scores"
                                + " and interests; scenarios, journeys, broadcasts and templates. Errors are RFC 9457"
                                + " problem details. Writes accept an Idempotency-Key header.")
                        .license(new License().name("Apache-2.0")))
                .components(new Components()
                        .addSecuritySchemes("apiKey", new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("An API key: Authorization: Bearer act_..."))
                        .addSecuritySchemes("writeKey", new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("basic").description("Segment clients: the API key as user name")))
                .addSecurityItem(new SecurityRequirement().addList("apiKey"));
    }
}
