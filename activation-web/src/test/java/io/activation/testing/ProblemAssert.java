package io.activation.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Checks an RFC 9457 answer: status, stable type, and the fields it names. */
public final class ProblemAssert {

    public static final String TYPE_BASE = "https://activation.dev/problems/";

    private ProblemAssert() {}

    /**
     * Asserts the answer is a problem of that status and type that names every one of {@code fields} in
     * {@code errors[].field}, with {@code field} being one of them; returns the problem.
     */
    public static JsonNode assertProblem(ApiTest.Response response, int status, String code, String... fields) {
        response.expect(status);
        assertThat(response.header("Content-Type")).as("content type of %s", response.body())
                .startsWith("application/problem+json");
        JsonNode problem = response.json();
        return assertProblem(problem, status, code, fields);
    }

    /** The same checks on a problem object (a batch item's {@code problem}). */
    public static JsonNode assertProblem(JsonNode problem, int status, String code, String... fields) {
        assertThat(problem.path("type").stringValue()).as("type of %s", problem).isEqualTo(TYPE_BASE + code);
        assertThat(problem.path("status").asInt()).as("status of %s", problem).isEqualTo(status);
        assertThat(problem.path("detail").isString()).as("detail of %s", problem).isTrue();
        if (fields.length > 0) {
            assertThat(fieldsNamed(problem)).as("fields named by %s", problem).contains(fields);
            assertThat(problem.path("field").stringValue()).as("field of %s", problem).isIn((Object[]) fields);
        }
        return problem;
    }

    public static List<String> fieldsNamed(JsonNode problem) {
        List<String> named = new ArrayList<>();
        problem.path("errors").forEach(e -> named.add(e.path("field").stringValue()));
        return named;
    }
}
