package io.activation.access;

/** A newly issued key with its secret: the only time the secret exists outside the client. */
public record IssuedApiKey(ApiKey key, String secret) {}
