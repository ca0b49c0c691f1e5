package io.activation.journey;

import io.activation.datamodel.AttributeType;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.platform.FieldError;
import io.activation.platform.NotFoundException;
import io.activation.template.Templates;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Checks a scenario before it may run: structure (by {@link ScenarioDefinition#parse}), every table, attribute and
 * template it names, every branch present and leading to a step, every step reachable, and no loop that does not
 * pass through a waiting step.
 */
@Component
class ScenarioValidator {

    private final TableCatalog catalog;
    private final Templates templates;
    private final ConditionEvaluator conditions;
    private final Map<String, StepAction> actions;
    private final TriggerChecks triggers;

    ScenarioValidator(TableCatalog catalog, Templates templates, ConditionEvaluator conditions,
            List<StepAction> actions, TriggerChecks triggers) {
        this.triggers = triggers;
        this.catalog = catalog;
        this.templates = templates;
        this.conditions = conditions;
        this.actions = actions.stream().collect(Collectors.toMap(StepAction::kind, Function.identity()));
    }

    Set<String> actionKinds() {
        return actions.keySet();
    }

    StepAction action(String kind) {
        return actions.get(kind);
    }

    /** Parses only (for drafts): structural problems. */
    ScenarioDefinition parse(JsonNode json, List<FieldError> errors) {
        return ScenarioDefinition.parse(json, actions.keySet(), errors);
    }

    /** Every problem of the definition; empty when it can run. */
    List<FieldError> problems(JsonNode json) {
        List<FieldError> errors = new ArrayList<>();
        ScenarioDefinition d = parse(json, errors);
        if (d == null) {
            return errors;
        }
        if (d.trigger() != null) {
            triggers.check(d.trigger(), "trigger", false, errors);
            if (d.entry().kind() == EntryRule.Kind.ONCE_PER_TRIGGER_ROW && !Set.of(Trigger.Kind.ROW,
                    Trigger.Kind.DATE, Trigger.Kind.SCHEDULE).contains(d.trigger().kind())) {
                errors.add(new FieldError("entry.rule", "once_per_trigger_row needs a row, date or schedule"
                        + " trigger"));
            }
        }
        for (int i = 0; i < d.exits().size(); i++) {
            triggers.check(d.exits().get(i), "exit[" + i + "]", true, errors);
        }
        for (Step step : d.steps().values()) {
            step(d, step, d.path(step.id()), errors);
        }
        graph(d, errors);
        return errors;
    }

    private TableSchema table(String name, String path, List<FieldError> errors) {
        if (name == null) {
            return null;
        }
        try {
            TableSchema t = catalog.schema(name, path);
            if (t.kind() == io.activation.datamodel.TableKind.CONTACTS) {
                errors.add(new FieldError(path, "use a contactAttribute trigger or an updateContact step for"
                        + " contacts"));
                return null;
            }
            return t;
        } catch (NotFoundException e) {
            errors.add(new FieldError(path, "unknown table: " + e.getMessage()));
            return null;
        }
    }

    private void step(ScenarioDefinition d, Step step, String path, List<FieldError> errors) {
        if (step instanceof Step.WaitForEvent w) {
            branch(d, w.onEvent(), path + ".waitForEvent.onEvent", errors);
            branch(d, w.onTimeout(), path + ".waitForEvent.onTimeout", errors);
        } else if (step instanceof Step.Condition c) {
            if (c.rule() != null && c.rule().isObject()) {
                errors.addAll(conditions.validate(c.rule(), path + ".condition.rule"));
            }
            branch(d, c.then(), path + ".condition.then", errors);
            branch(d, c.otherwise(), path + ".condition.else", errors);
        } else if (step instanceof Step.Split s) {
            for (int i = 0; i < s.variants().size(); i++) {
                branch(d, s.variants().get(i).next(), path + ".split.variants[" + i + "].next", errors);
            }
        } else if (step instanceof Step.Send s) {
            for (int i = 0; i < s.channels().size(); i++) {
                var c = s.channels().get(i);
                if (c.channel() != null && c.template() != null && !templates.exists(c.template(), c.channel())) {
                    errors.add(new FieldError(path + ".send.channels[" + i + "].template", "unknown template: no '"
                            + c.template() + "' for channel " + c.channel()));
                }
            }
            next(d, s.next(), path, errors);
        } else if (step instanceof Step.UpdateContact u) {
            TableSchema contacts = catalog.contacts();
            for (String name : u.attributes().propertyNames()) {
                if (name.equals("external_id")) {
                    errors.add(new FieldError(path + ".updateContact.attributes.external_id", "cannot be"
                            + " changed by a journey"));
                } else if (contacts.column(name).isEmpty()) {
                    errors.add(new FieldError(path + ".updateContact.attributes." + name,
                            "unknown attribute: '" + name + "' is not a contact attribute"));
                }
            }
            next(d, u.next(), path, errors);
        } else if (step instanceof Step.UpdateRow u) {
            TableSchema table = table(u.table(), path + ".updateRow.table", errors);
            if (table != null) {
                for (String name : u.values().propertyNames()) {
                    if (table.column(name).isEmpty()) {
                        errors.add(new FieldError(path + ".updateRow.values." + name, "unknown attribute: '"
                                + name + "' is not an attribute of '" + table.name() + "'"));
                    }
                }
                if (!u.values().has(table.businessKey())) {
                    errors.add(new FieldError(path + ".updateRow.values." + table.businessKey(), "is required:"
                            + " the business key (a placeholder such as ${instance.id} makes it unique)"));
                }
            }
            next(d, u.next(), path, errors);
        } else if (step instanceof Step.WaitUntil w) {
            if (w.dateAttribute() != null) {
                var column = catalog.contacts().column(w.dateAttribute());
                if (column.isEmpty()) {
                    errors.add(new FieldError(path + ".waitUntil.dateAttribute", "unknown attribute: '"
                            + w.dateAttribute() + "' is not a contact attribute"));
                } else if (column.get().type() != AttributeType.DATE) {
                    errors.add(new FieldError(path + ".waitUntil.dateAttribute", "'" + w.dateAttribute()
                            + "' is not a date attribute"));
                }
            }
            next(d, w.next(), path, errors);
        } else if (step instanceof Step.Action a) {
            errors.addAll(actions.get(a.kind()).validate(a.settings(), path + "." + a.kind()));
            next(d, a.next(), path, errors);
            if (a.onFailure() != null && !d.steps().containsKey(a.onFailure())) {
                errors.add(new FieldError(path + ".onFailure", "names no step: '" + a.onFailure() + "'"));
            }
        } else if (step instanceof Step.Wait w) {
            next(d, w.next(), path, errors);
        }
    }

    private static void branch(ScenarioDefinition d, String target, String path, List<FieldError> errors) {
        if (target == null) {
            errors.add(new FieldError(path, "missing branch: name the step to go to"));
        } else if (!d.steps().containsKey(target)) {
            errors.add(new FieldError(path, "names no step: '" + target + "'"));
        }
    }

    private static void next(ScenarioDefinition d, String target, String path, List<FieldError> errors) {
        if (target != null && !d.steps().containsKey(target)) {
            errors.add(new FieldError(path + ".next", "names no step: '" + target + "'"));
        }
    }

    private static void graph(ScenarioDefinition d, List<FieldError> errors) {
        if (d.start() == null || !d.steps().containsKey(d.start())) {
            return;
        }
        Set<String> reached = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(d.start()));
        while (!todo.isEmpty()) {
            String id = todo.pop();
            if (d.steps().containsKey(id) && reached.add(id)) {
                d.step(id).successors().stream().filter(s -> s != null).forEach(todo::push);
            }
        }
        for (String id : d.steps().keySet()) {
            if (!reached.contains(id)) {
                errors.add(new FieldError(d.path(id), "unreachable step: no path leads from the start step '"
                        + d.start() + "' to '" + id + "'"));
            }
        }
        // A cycle among steps that do not wait would run forever within one event: find one by DFS.
        Map<String, Integer> state = new HashMap<>();
        Set<String> reported = new LinkedHashSet<>();
        for (String id : d.steps().keySet()) {
            loop(d, id, state, new ArrayDeque<>(), reported);
        }
        for (String id : reported) {
            errors.add(new FieldError(d.path(id), "loop without a wait: the steps from '" + id + "' lead back to it"
                    + " without passing a wait, waitUntil or waitForEvent step"));
        }
    }

    private static void loop(ScenarioDefinition d, String id, Map<String, Integer> state, Deque<String> stack,
            Set<String> reported) {
        Step step = d.step(id);
        if (step == null || step.waits()) {
            return;
        }
        Integer s = state.get(id);
        if (s != null) {
            if (s == 1) {
                reported.add(id);
            }
            return;
        }
        state.put(id, 1);
        stack.push(id);
        for (String next : step.successors()) {
            if (next != null) {
                loop(d, next, state, stack, reported);
            }
        }
        stack.pop();
        state.put(id, 2);
    }
}
