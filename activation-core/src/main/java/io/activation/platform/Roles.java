package io.activation.platform;

import java.util.EnumSet;
import java.util.Set;

/** The roles this process plays, as configured by {@code activation.roles}. */
public final class Roles {

    private final Set<Role> enabled;

    public Roles(Set<Role> enabled) {
        this.enabled = enabled.isEmpty() ? EnumSet.noneOf(Role.class) : EnumSet.copyOf(enabled);
    }

    public boolean has(Role role) {
        return enabled.contains(role);
    }

    public Set<Role> enabled() {
        return EnumSet.copyOf(enabled.isEmpty() ? EnumSet.noneOf(Role.class) : enabled);
    }
}
