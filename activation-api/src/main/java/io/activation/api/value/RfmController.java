package io.activation.api.value;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.contact.Contacts;
import io.activation.datamodel.StoredRow;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.activation.segment.value.Rfm;
import io.activation.segment.value.RfmModel;
import io.activation.segment.value.RfmScore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "RFM", description = "Recency, frequency and monetary scores (1-5 by quintiles) and named groups")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/rfm-models", produces = MediaType.APPLICATION_JSON_VALUE)
class RfmController {

    private final Rfm rfm;
    private final Contacts contacts;

    RfmController(Rfm rfm, Contacts contacts) {
        this.rfm = rfm;
        this.contacts = contacts;
    }

    @Operation(summary = "Define an RFM model", description = "Body: {\"name\", \"table\" (interaction table),"
            + " \"dateColumn\", \"orderColumn\" (one purchase, for frequency; default the business key), \"amount\":"
            + " {\"column\": c} or {\"multiply\": [c1, c2]}, \"exclude\": [conditions], \"referenceDate\""
            + " (default today), \"timeZone\" (default UTC)}. Columns may follow one relation: order_no.ordered_at.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> define(@RequestBody JsonNode body) {
        RfmModel model = rfm.define(body);
        return ResponseEntity.created(URI.create("/api/v1/rfm-models/" + model.name())).body(toJson(model));
    }

    @Operation(summary = "List RFM models")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list() {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        rfm.list().forEach(m -> items.add(toJson(m)));
        return answer;
    }

    @Operation(summary = "Describe an RFM model and its last computation")
    @GetMapping("/{name}")
    @RequiresScope(Scope.READ)
    ObjectNode describe(@PathVariable String name) {
        return toJson(rfm.model(name));
    }

    @Operation(summary = "Recompute an RFM model now", description = "Set-based in PostgreSQL, in one transaction;"
            + " waits for a recompute of the same model already running.")
    @PostMapping("/{name}/recompute")
    @RequiresScope(Scope.ADMIN)
    ObjectNode recompute(@PathVariable String name) {
        Rfm.Computed done = rfm.recompute(name);
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("model", done.model());
        json.put("referenceDate", done.referenceDate().toString());
        json.put("contacts", done.contacts());
        json.put("computedAt", done.computedAt().toString());
        json.put("durationMs", done.durationMs());
        return json;
    }

    @Operation(summary = "A contact's recency, frequency, monetary value, scores and group",
            description = "404 when the contact does not exist or has no purchase in the model.")
    @GetMapping("/{name}/contacts/{externalId}")
    @RequiresScope(Scope.READ)
    ObjectNode contact(@PathVariable String name, @PathVariable String externalId) {
        rfm.model(name);
        long contactId = contacts.byExternalId(externalId).map(StoredRow::id)
                .orElseThrow(() -> new NotFoundException("externalId", "There is no contact '" + externalId + "'"));
        RfmScore s = rfm.scoreOf(name, contactId).orElseThrow(() -> new NotFoundException("externalId",
                "Contact '" + externalId + "' has no purchase in RFM model '" + name + "'"));
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("model", s.model());
        json.put("externalId", externalId);
        json.put("contactId", s.contactId());
        json.put("recencyDays", s.recencyDays());
        json.put("frequency", s.frequency());
        json.put("monetary", s.monetary());
        json.put("r", s.r());
        json.put("f", s.f());
        json.put("m", s.m());
        json.put("rfm", "" + s.r() + s.f() + s.m());
        json.put("group", s.group());
        json.put("computedAt", s.computedAt().toString());
        return json;
    }

    @Operation(summary = "How many contacts have each R, F and M score (with the value range behind it) and each group")
    @GetMapping("/{name}/distribution")
    @RequiresScope(Scope.READ)
    ObjectNode distribution(@PathVariable String name) {
        Rfm.Distribution d = rfm.distribution(name);
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("model", d.model());
        rfm.lastComputed(name).ifPresentOrElse(c -> {
            json.put("referenceDate", c.referenceDate().toString());
            json.put("computedAt", c.computedAt().toString());
        }, () -> json.putNull("computedAt"));
        json.put("population", d.population());
        ObjectNode scores = json.putObject("scores");
        d.scores().forEach((dimension, bands) -> {
            var array = scores.putArray(dimension);
            bands.forEach(b -> {
                ObjectNode band = array.addObject();
                band.put("score", b.score());
                band.put("contacts", b.contacts());
                band.put("min", b.min());
                band.put("max", b.max());
            });
        });
        ObjectNode groups = json.putObject("groups");
        d.groups().forEach(groups::put);
        return json;
    }

    private ObjectNode toJson(RfmModel model) {
        ObjectNode json = model.toJson();
        rfm.lastComputed(model.name()).ifPresentOrElse(c -> {
            json.put("computedAt", c.computedAt().toString());
            json.put("computedFor", c.referenceDate().toString());
            json.put("contactsScored", c.contacts());
        }, () -> json.putNull("computedAt"));
        return json;
    }
}
