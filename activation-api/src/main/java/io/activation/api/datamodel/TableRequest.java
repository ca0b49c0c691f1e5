package io.activation.api.datamodel;

import java.util.List;

/** A table definition as the API takes it; kinds and types are case-insensitive names. */
record TableRequest(String name, String kind, String description, String businessKey, String timeAttribute,
        List<AttributeRequest> attributes) {}
