package io.activation.api.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class TemplateApiTest extends ApiTest {

    @Test
    void createReadReplaceListAndDelete() {
        String name = unique("welcome").replace('_', '-');
        JsonNode created = post("/api/v1/templates", """
                {"name": "%s", "channel": "email", "subject": "Welcome", "body": "Hi {{ first_name }}"}
                """.formatted(name)).expect(201).json();
        long id = created.get("id").longValue();
        assertThat(get("/api/v1/templates/" + id).expect(200).json().get("subject").stringValue())
                .isEqualTo("Welcome");
        // The same name on another channel is another template; twice on one channel is a conflict.
        post("/api/v1/templates", "{\"name\": \"%s\", \"channel\": \"sms\", \"body\": \"Hi\"}".formatted(name))
                .expect(201);
        post("/api/v1/templates", "{\"name\": \"%s\", \"channel\": \"email\", \"body\": \"x\"}".formatted(name))
                .expect(409);
        JsonNode replaced = put("/api/v1/templates/" + id, """
                {"name": "%s", "channel": "email", "subject": "Welcome!", "body": "Hello"}""".formatted(name))
                .expect(200).json();
        assertThat(replaced.get("subject").stringValue()).isEqualTo("Welcome!");
        assertThat(get("/api/v1/templates?channel=sms").expect(200).json().get("items").findValuesAsString("name"))
                .contains(name);
        delete("/api/v1/templates/" + id).expect(204);
        get("/api/v1/templates/" + id).expect(404);
    }

    @Test
    void invalidTemplatesAreRefusedNamingEachField() {
        JsonNode problem = post("/api/v1/templates", """
                {"name": "Bad Name", "channel": "pigeon", "body": ""}""").expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactlyInAnyOrder("name", "channel",
                "body");
        post("/api/v1/templates", "{\"name\": \"x\", \"channel\": \"email\", \"body\": \"b\", \"colour\": 1}")
                .expect(422);
    }
}
