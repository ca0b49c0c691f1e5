package io.activation.template;

import io.activation.testing.ApiTest;

/** Base of template tests that need {@link Shop}: the shared application context of {@link ApiTest}. */
public abstract class ShopTest extends ApiTest {

    /** A fresh shop (its own tables and customers). */
    protected Shop shop() {
        return Shop.create(this, unique("shop"));
    }

    String define(String json) {
        return defineTable(json);
    }

    Response postJson(String path, String json) {
        return post(path, json);
    }

    Response putJson(String path, String json) {
        return put(path, json);
    }
}
