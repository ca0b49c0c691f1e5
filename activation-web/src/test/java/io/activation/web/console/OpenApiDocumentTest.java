package io.activation.web.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The committed {@code docs/openapi.json} describes the API that runs: every operation (method and path) of the live
 * document is in the file and the file has none the application lacks. On a difference the live document is written
 * to {@code target/openapi.json}; copy it over {@code docs/openapi.json}.
 */
class OpenApiDocumentTest extends ApiTest {

    @Test
    void theCommittedDocumentListsExactlyTheOperationsTheApplicationServes() throws IOException {
        Response live = send("GET", "/v3/api-docs", null, null, Map.of()).expect(200);
        Path committed = Path.of("..", "docs", "openapi.json");
        TreeSet<String> liveOperations = operations(live.json());
        TreeSet<String> committedOperations = operations(JSON.readTree(Files.readString(committed)));
        if (!liveOperations.equals(committedOperations)) {
            // As the running application on its default port serves it, so the copy differs only where the API does.
            ObjectNode document = (ObjectNode) live.json();
            document.withArray("servers").forEach(server -> ((ObjectNode) server).put("url", "http://localhost:8080"));
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "openapi.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document) + "\n");
        }
        assertThat(committedOperations)
                .as("docs/openapi.json is out of date: copy activation-web/target/openapi.json over it")
                .isEqualTo(liveOperations);
    }

    private static TreeSet<String> operations(JsonNode document) {
        TreeSet<String> operations = new TreeSet<>();
        document.get("paths").properties().forEach(path -> path.getValue().propertyNames()
                .forEach(method -> operations.add(method.toUpperCase() + " " + path.getKey())));
        return operations;
    }
}
