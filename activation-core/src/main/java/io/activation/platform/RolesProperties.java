package io.activation.platform;

import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code activation.roles}: what this process does. The same jar runs every role; scale out by starting more
 * processes with fewer roles each.
 */
@ConfigurationProperties("activation")
public record RolesProperties(@DefaultValue({"api", "engine", "senders", "console"}) Set<Role> roles) {}
