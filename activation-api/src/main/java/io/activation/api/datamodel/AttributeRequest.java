package io.activation.api.datamodel;

import java.util.List;

/** An attribute definition as the API takes it. */
record AttributeRequest(String name, String type, Boolean required, List<String> enumValues, String references) {}
