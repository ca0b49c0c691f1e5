package io.activation.api.web;

import java.net.URI;

/** Stable problem {@code type} URIs: one per error kind, documented in docs/api.md. */
public final class ProblemTypes {

    public static final String BASE = "https://activation.dev/problems/";

    private ProblemTypes() {}

    public static URI of(String code) {
        return URI.create(BASE + code);
    }
}
