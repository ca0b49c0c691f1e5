package io.activation.api.tracking;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import io.activation.tracking.TrackingReports;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Tracking", description = "What became of messages: sends, opens, clicks, unsubscribes, conversions")
@RestController
@ConditionalOnRole(Role.API)
class TrackingReportController {

    private final TrackingReports reports;

    TrackingReportController(TrackingReports reports) {
        this.reports = reports;
    }

    @Operation(summary = "A scenario's message report",
            description = "Counts over the scenario's deliveries, in total and per send step: sent (status sent or"
                    + " delivered), opened / clicked / unsubscribed (deliveries with at least one), opens and clicks"
                    + " (every one), converted (rows attributed to them) and revenue.")
    @GetMapping(path = "/api/v1/scenarios/{id}/report", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode scenario(@PathVariable long id) {
        TrackingReports.ScenarioReport report = reports.scenario(id);
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("scenarioId", report.scenarioId());
        answer.set("total", counts(report.total()));
        var steps = answer.putArray("steps");
        report.steps().forEach(s -> {
            ObjectNode step = counts(s.counts());
            step.put("stepId", s.stepId());
            steps.add(step);
        });
        return answer;
    }

    @Operation(summary = "A delivery's message report", description = "The same counts for one delivery.")
    @GetMapping(path = "/api/v1/tracking/deliveries/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode delivery(@PathVariable long id) {
        ObjectNode answer = counts(reports.delivery(id));
        answer.put("deliveryId", id);
        return answer;
    }

    private static ObjectNode counts(TrackingReports.Counts c) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("sent", c.sent());
        node.put("opened", c.opened());
        node.put("opens", c.opens());
        node.put("clicked", c.clicked());
        node.put("clicks", c.clicks());
        node.put("unsubscribed", c.unsubscribed());
        node.put("converted", c.converted());
        node.put("revenue", c.revenue());
        return node;
    }
}
