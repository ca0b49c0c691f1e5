package io.activation.datamodel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifierTest {

    @ParameterizedTest
    @ValueSource(strings = {"orders", "order_lines", "o2", "order", "select"})
    void allowed(String name) {
        assertThat(Identifier.problem(name)).isNull();
        assertThat(new Identifier(name).quoted()).isEqualTo('"' + name + '"');
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Orders", "1orders", "_x", "orders; drop table contacts", "a\"b", "naïve", "a-b",
            "id", "contact_id", "created_at", "updated_at", "xmin", "ctid", "sys_score", "pg_class",
            "a123456789012345678901234567890123456789012345678901234567890123"})
    void refused(String name) {
        assertThat(Identifier.problem(name)).isNotNull();
    }
}
