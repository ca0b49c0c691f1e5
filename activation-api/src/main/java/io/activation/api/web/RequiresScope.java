package io.activation.api.web;

import io.activation.access.Scope;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The scope an endpoint needs. Every handler under {@code /api} and {@code /v1} must carry it (on the method or its
 * class): a handler without one is refused, so a forgotten annotation fails closed.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RequiresScope {
    Scope value();
}
