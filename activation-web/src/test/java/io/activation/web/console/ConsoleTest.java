package io.activation.web.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleTest extends ApiTest {

    @Test
    void homePageShowsTheDataModelAndTheOutboxBacklog() {
        String table = defineTable("""
                {"name": "%s", "kind": "LINKED", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "TEXT"}]}""".formatted(unique("coupons")));
        Response page = send("GET", "/", null, null, Map.of("Accept", "text/html"));
        page.expect(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.body()).contains("id=\"data-model\"").contains(table).contains("LINKED")
                .contains("id=\"backlog\"").contains("/swagger-ui.html");
    }

    @Test
    void swaggerUiAndOpenApiDocumentAreServed() {
        Response docs = send("GET", "/v3/api-docs", null, null, Map.of());
        docs.expect(200);
        assertThat(docs.json().at("/paths").has("/api/v1/contacts/{externalId}")).isTrue();
        assertThat(docs.json().at("/paths").has("/api/v1/tables/{table}/rows/batch")).isTrue();
        send("GET", "/swagger-ui/index.html", null, null, Map.of()).expect(200);
    }
}
