package io.activation.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Writes a problem detail from a servlet filter, where no exception handler runs. */
final class ProblemWriter {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ProblemWriter() {}

    static void write(HttpServletRequest request, HttpServletResponse response, int status, String code, String title,
            String detail, String field) throws IOException {
        ObjectNode problem = JSON.createObjectNode();
        problem.put("type", ProblemTypes.of(code).toString());
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        problem.put("instance", request.getRequestURI());
        if (field != null) {
            problem.put("field", field);
            problem.putArray("errors").addObject().put("field", field).put("message", detail);
        }
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getOutputStream().write(JSON.writeValueAsBytes(problem));
    }
}
