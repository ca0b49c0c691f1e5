package io.activation.access;

import java.util.EnumSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * At start-up, before the web server takes requests: creates the configured bootstrap admin key if it does not exist; with none configured and no key at
 * all (a fresh install), issues an admin key and prints it once, so the first user can call the API.
 */
@Component
@EnableConfigurationProperties(SecurityProperties.class)
class BootstrapApiKey implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(BootstrapApiKey.class);

    private final AccessControl access;
    private final SecurityProperties properties;

    BootstrapApiKey(AccessControl access, SecurityProperties properties) {
        this.access = access;
        this.properties = properties;
    }

    @Override
    public void afterSingletonsInstantiated() {
        String secret = properties.bootstrapApiKey();
        if (secret != null && !secret.isBlank()) {
            if (secret.length() < 16) {
                throw new IllegalStateException("activation.security.bootstrap-api-key must be at least 16 characters");
            }
            if (access.ensure("bootstrap", secret, EnumSet.of(Scope.ADMIN))) {
                log.info("Created the bootstrap admin API key from activation.security.bootstrap-api-key");
            }
            return;
        }
        if (!access.any()) {
            IssuedApiKey issued = access.issue("generated at first start", EnumSet.of(Scope.ADMIN));
            log.warn("""

                    ================================================================================
                     No API key existed, so an admin key was generated. It is shown only this once:

                         {}

                     Use it as:  curl -H 'Authorization: Bearer <key>' http://localhost:8080/api/v1/tables
                    ================================================================================""",
                    issued.secret());
        }
    }
}
