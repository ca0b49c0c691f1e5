package io.activation.datamodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class RowInputsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RowInputs inputs = new RowInputs(new DataModelProperties(40, 10, 40, 10, 25, 10, 40, 200, 10000));

    @Test
    void builtInContactTextLongerThanItsColumnIsRefusedNamingTheField() {
        TableSchema contacts = new TableSchema("contacts", TableKind.CONTACTS, "external_id", Optional.empty(), null,
                List.of(column("external_id"), column("first_name"), column("nickname")), 1);
        String name = "a".repeat(201);
        assertThatThrownBy(() -> inputs.parseValues(contacts, JSON.readTree(
                "{\"first_name\": \"" + name + "\", \"nickname\": \"" + name + "\"}"), "", null))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).errors()).extracting(FieldError::field)
                        .containsExactly("first_name"));
        assertThat(inputs.parseValues(contacts, JSON.readTree("{\"first_name\": \"" + "a".repeat(200) + "\"}"),
                "", null)).containsKey("first_name");
    }

    private static TableSchema.Column column(String name) {
        return new TableSchema.Column(name, AttributeType.TEXT, false, !name.equals("nickname"), List.of(), null);
    }
}
