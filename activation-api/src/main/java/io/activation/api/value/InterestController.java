package io.activation.api.value;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.contact.Contacts;
import io.activation.datamodel.StoredRow;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.activation.segment.value.InterestSettings;
import io.activation.segment.value.Interests;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Interests", description = "Interest profiles from clicked links and purchases; the secondary profile"
        + " of gifts and incidental purchases")
@RestController
@ConditionalOnRole(Role.API)
class InterestController {

    private final Interests interests;
    private final Contacts contacts;

    InterestController(Interests interests, Contacts contacts) {
        this.interests = interests;
        this.contacts = contacts;
    }

    @Operation(summary = "Configure interest sources and secondary purchases", description = "Body: {\"clicks\":"
            + " {\"eventTypes\": [\"link_clicked\"], \"tagsProperty\": \"tags\"}, \"purchases\": {\"table\":"
            + " \"order_lines\", \"category\": \"stock_code.category\", \"date\": \"order_no.ordered_at\", \"exclude\":"
            + " [conditions], \"giftFlag\": \"gift\"}, \"secondaryRules\": [{\"category\": \"toys\", \"months\": [11,"
            + " 12]}], \"halfLifeDays\": 180, \"timeZone\": \"Europe/Amsterdam\"}")
    @PutMapping(path = "/api/v1/interests/settings", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode configure(@RequestBody JsonNode body) {
        return interests.configure(body).toJson();
    }

    @Operation(summary = "The interest settings")
    @GetMapping(path = "/api/v1/interests/settings", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode settings() {
        return interests.settings().map(InterestSettings::toJson).orElseThrow(() -> new NotFoundException(
                "settings", "Interests are not configured"));
    }

    @Operation(summary = "Reclassify secondary purchases and rebuild every interest profile now",
            description = "Also runs on a schedule (activation.value.interest-schedule).")
    @PostMapping(path = "/api/v1/interests/recompute", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode recompute() {
        Interests.Computed done = interests.recompute();
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("secondaryPurchases", done.secondaryPurchases());
        json.put("interests", done.interests());
        json.put("contacts", done.contacts());
        json.put("durationMs", done.durationMs());
        return json;
    }

    @Operation(summary = "A contact's interest profiles (primary and secondary), heaviest first")
    @GetMapping(path = "/api/v1/contacts/{externalId}/interests", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode profile(@PathVariable String externalId, @RequestParam(required = false) String profile) {
        List<Interests.Profile> profiles;
        if (profile == null) {
            profiles = List.of(Interests.Profile.PRIMARY, Interests.Profile.SECONDARY);
        } else if (profile.equals("primary") || profile.equals("secondary")) {
            profiles = List.of(Interests.Profile.valueOf(profile.toUpperCase(java.util.Locale.ROOT)));
        } else {
            throw new InvalidInputException("profile", "must be primary or secondary");
        }
        long contactId = contactId(externalId);
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("externalId", externalId);
        for (Interests.Profile p : profiles) {
            var items = json.putArray(p.code());
            interests.profile(contactId, p).forEach(i -> {
                ObjectNode item = items.addObject();
                item.put("interest", i.interest());
                item.put("weight", i.weight());
                item.put("signals", i.signals());
            });
        }
        return json;
    }

    @Operation(summary = "A contact's purchases classified as secondary (gift flag or rule), newest first")
    @GetMapping(path = "/api/v1/contacts/{externalId}/secondary-purchases", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode secondary(@PathVariable String externalId) {
        long contactId = contactId(externalId);
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        var items = json.putArray("items");
        interests.secondaryPurchases(contactId).forEach(s -> {
            ObjectNode item = items.addObject();
            item.put("table", s.table());
            item.put("rowId", s.rowId());
            item.put("category", s.category());
            item.put("reason", s.reason());
            item.put("occurredAt", s.occurredAt() == null ? null : s.occurredAt().toString());
        });
        return json;
    }

    private long contactId(String externalId) {
        return contacts.byExternalId(externalId).map(StoredRow::id)
                .orElseThrow(() -> new NotFoundException("externalId", "There is no contact '" + externalId + "'"));
    }
}
