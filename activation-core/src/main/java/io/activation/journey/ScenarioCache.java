package io.activation.journey;

import io.activation.platform.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Parsed scenario versions; versions never change once written, so they are cached for good. */
@Component
class ScenarioCache {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final ScenarioValidator validator;
    private final Map<String, ScenarioDefinition> cache = new ConcurrentHashMap<>();

    ScenarioCache(JdbcTemplate jdbc, ScenarioValidator validator) {
        this.jdbc = jdbc;
        this.validator = validator;
    }

    ScenarioDefinition definition(long scenarioId, int version) {
        return cache.computeIfAbsent(scenarioId + "/" + version, k -> {
            String json = jdbc.queryForObject("select definition::text from scenario_versions where scenario_id = ?"
                    + " and version = ?", String.class, scenarioId, version);
            List<FieldError> errors = new ArrayList<>();
            ScenarioDefinition d = validator.parse(JSON.readTree(json), errors);
            if (!errors.isEmpty()) {
                throw new IllegalStateException("stored scenario " + k + " no longer parses: " + errors);
            }
            return d;
        });
    }
}
