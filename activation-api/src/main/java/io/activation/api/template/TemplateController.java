package io.activation.api.template;

import io.activation.access.Scope;
import io.activation.api.contact.ContactRefJson;
import io.activation.api.web.RequiresScope;
import io.activation.delivery.DeliveryProperties;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.activation.template.SmsSegments;
import io.activation.template.Template;
import io.activation.template.TemplatePreviews;
import io.activation.template.Templates;
import io.activation.template.TestSends;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Templates", description = "Message templates per channel (sandboxed Liquid), preview and test send")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/templates", produces = MediaType.APPLICATION_JSON_VALUE)
class TemplateController {

    private static final Set<String> FIELDS = Set.of("name", "channel", "subject", "body", "parts", "data");
    private static final Set<String> PREVIEW_FIELDS = Set.of("contact", "context");
    private static final Set<String> TEST_SEND_FIELDS = Set.of("to", "contact", "context");

    private final Templates templates;
    private final TemplatePreviews previews;
    private final TestSends testSends;
    private final DeliveryProperties delivery;

    TemplateController(Templates templates, TemplatePreviews previews, TestSends testSends,
            DeliveryProperties delivery) {
        this.templates = templates;
        this.previews = previews;
        this.testSends = testSends;
        this.delivery = delivery;
    }

    @Operation(summary = "Create a template", description = "Body: {\"name\": \"cart-reminder\", \"channel\":"
            + " \"email\", \"parts\": {\"subject\": \"...\", \"html\": \"...\", \"text\": \"...\"}}; parts per"
            + " channel: email subject/html/text, sms text, push title/body/image (+ data), wallet"
            + " passType/description (+ data = pass fields), print letter, webhook body. \"subject\" and \"body\""
            + " are shorthands of the subject and the channel's main part. Every part is checked as Liquid."
            + " Name and channel are unique together.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> create(@RequestBody JsonNode body) {
        Template t = templates.create(input(body));
        return ResponseEntity.created(URI.create("/api/v1/templates/" + t.id())).body(json(t));
    }

    @Operation(summary = "List templates, optionally of one channel")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@RequestParam(required = false) String channel) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        templates.list(channel).forEach(t -> items.add(json(t)));
        return answer;
    }

    @Operation(summary = "Read a template")
    @GetMapping("/{id}")
    @RequiresScope(Scope.READ)
    ObjectNode get(@PathVariable long id) {
        return json(templates.get(id));
    }

    @Operation(summary = "Replace a template")
    @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode replace(@PathVariable long id, @RequestBody JsonNode body) {
        return json(templates.replace(id, input(body)));
    }

    @Operation(summary = "Delete a template")
    @DeleteMapping("/{id}")
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<Void> delete(@PathVariable long id) {
        if (!templates.delete(id)) {
            throw new NotFoundException("id", "No template with id " + id);
        }
        return ResponseEntity.noContent().build();
    }

    @Operation(summary = "Preview a template for a contact", description = "Body: {\"contact\": {\"externalId\":"
            + " \"c-1\"}, \"context\": {\"trigger\": {...}}}. Answers the rendered parts and data; links are not"
            + " tracked. For SMS also the character count, encoding (GSM-7 or UCS-2) and segment count.")
    @PostMapping(path = "/{id}/preview", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode preview(@PathVariable long id, @RequestBody JsonNode body) {
        object(body, PREVIEW_FIELDS, "contact, context");
        JsonNode context = context(body);
        long contactId = previews.contactId(ContactRefJson.parse(body.get("contact"), "contact").validated(
                "contact"), "contact");
        TemplatePreviews.Preview preview = previews.preview(id, contactId, context);
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("templateId", preview.template().id());
        answer.put("name", preview.template().name());
        answer.put("channel", preview.template().channel());
        answer.put("contactId", contactId);
        answer.set("parts", strings(preview.parts()));
        answer.set("data", strings(preview.data()));
        if (preview.sms() != null) {
            SmsSegments.Count sms = preview.sms();
            answer.putObject("sms").put("characters", sms.characters()).put("encoding", sms.encoding().label())
                    .put("units", sms.units()).put("segments", sms.segments()).put("perSegment", sms.perSegment());
        }
        return answer;
    }

    @Operation(summary = "Send a template to an address as a test", description = "Body: {\"to\":"
            + " \"me@example.com\", \"contact\": {\"externalId\": \"c-1\"}, \"context\": {...}}. Queues a"
            + " transactional delivery that skips arbitration (recorded as \"test send\") for the channel's"
            + " sender; answers 202 with the delivery id.")
    @PostMapping(path = "/{id}/test-send", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> testSend(@PathVariable long id, @RequestBody JsonNode body) {
        object(body, TEST_SEND_FIELDS, "to, contact, context");
        JsonNode to = body.get("to");
        if (to == null || !to.isString()) {
            throw new InvalidInputException("to", "is required: the address to send the test to");
        }
        JsonNode context = context(body);
        templates.get(id);
        long contactId = previews.contactId(ContactRefJson.parse(body.get("contact"), "contact").validated(
                "contact"), "contact");
        TestSends.Queued queued = testSends.send(new TestSends.TestSend(id, to.stringValue().strip(), contactId,
                context, delivery.messagesTopic()));
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("deliveryId", queued.deliveryId());
        answer.put("requestId", queued.requestId());
        answer.put("messageKey", queued.messageKey());
        answer.put("channel", queued.channel());
        answer.put("status", "queued");
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(answer);
    }

    private static void object(JsonNode body, Set<String> fields, String names) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object");
        }
        for (String field : body.propertyNames()) {
            if (!fields.contains(field)) {
                throw new InvalidInputException(field, "is not a field here: send " + names);
            }
        }
        if (body.get("contact") == null || !body.get("contact").isObject()) {
            throw new InvalidInputException("contact", "is required: {\"externalId\": ...} or {\"contactId\": ...}");
        }
    }

    private static JsonNode context(JsonNode body) {
        JsonNode context = body.get("context");
        if (context != null && !context.isNull() && !context.isObject()) {
            throw new InvalidInputException("context", "must be an object, e.g. {\"trigger\": {...}}");
        }
        return context == null || context.isNull() ? null : context;
    }

    private static Templates.TemplateInput input(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object");
        }
        for (String field : body.propertyNames()) {
            if (!FIELDS.contains(field)) {
                throw new InvalidInputException(field, "is not a field of a template: send name, channel, parts,"
                        + " data (or subject, body)");
            }
            if (!field.equals("parts") && !field.equals("data") && !body.get(field).isNull()
                    && !body.get(field).isString()) {
                throw new InvalidInputException(field, "must be a string");
            }
        }
        return new Templates.TemplateInput(text(body, "name"), text(body, "channel"), text(body, "subject"),
                text(body, "body"), map(body, "parts"), map(body, "data"));
    }

    private static Map<String, String> map(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new InvalidInputException(field, "must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : node.propertyNames()) {
            JsonNode v = node.get(key);
            if (!v.isNull() && !v.isString()) {
                throw new InvalidInputException(field + "." + key, "must be a string");
            }
            out.put(key, v.isNull() ? null : v.stringValue());
        }
        return out;
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    private static ObjectNode strings(Map<String, String> values) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        new TreeMap<>(values).forEach(node::put);
        return node;
    }

    static ObjectNode json(Template t) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", t.id());
        node.put("name", t.name());
        node.put("channel", t.channel());
        node.put("subject", t.subject());
        node.put("body", t.body());
        node.set("parts", strings(t.parts()));
        node.set("data", strings(t.data()));
        node.put("createdAt", t.createdAt().toString());
        node.put("updatedAt", t.updatedAt().toString());
        return node;
    }
}
