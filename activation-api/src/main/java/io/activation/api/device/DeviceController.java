package io.activation.api.device;

import io.activation.access.Scope;
import io.activation.api.web.JsonFields;
import io.activation.api.web.RequiresScope;
import io.activation.delivery.device.DevicePlatform;
import io.activation.delivery.device.DeviceRegistration;
import io.activation.delivery.device.DeviceToken;
import io.activation.delivery.device.DeviceTokens;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Devices", description = "Push device tokens (FCM registration tokens) per contact")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/contacts/{externalId}/devices", produces = MediaType.APPLICATION_JSON_VALUE)
class DeviceController {

    private static final List<String> FIELDS = List.of("token", "platform", "appId", "previousToken");

    private final DeviceTokens devices;

    DeviceController(DeviceTokens devices) {
        this.devices = devices;
    }

    @Operation(summary = "Register or refresh a device token",
            description = "Body: {\"token\": \"<FCM registration token>\", \"platform\": \"android|ios|web\","
                    + " \"appId\": \"com.shop.app\", \"previousToken\": \"<the token FCM rotated away, optional>\"}."
                    + " 201 when the token is new, 200 when it was known (refreshed, or moved from another contact:"
                    + " a token belongs to one app installation). A contact keeps its 20 most recently seen tokens."
                    + " The contact must exist (404 otherwise).")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<ObjectNode> register(@PathVariable String externalId, @RequestBody JsonNode body) {
        DeviceTokens.Registered registered = devices.register(externalId, registration(body));
        ObjectNode json = toJson(registered.device());
        json.put("result", registered.result().name().toLowerCase());
        HttpStatus status = registered.result() == DeviceTokens.Result.CREATED ? HttpStatus.CREATED : HttpStatus.OK;
        return ResponseEntity.status(status).body(json);
    }

    @Operation(summary = "The contact's device tokens, most recently seen first")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@PathVariable String externalId) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        devices.list(externalId).forEach(d -> items.add(toJson(d)));
        return answer;
    }

    @Operation(summary = "Unregister a device token of the contact (the app logged out or was uninstalled)",
            description = "204 when removed; 404 (field token) when the contact has no such token.")
    @DeleteMapping("/{token}")
    @RequiresScope(Scope.INGEST)
    ResponseEntity<Void> unregister(@PathVariable String externalId, @PathVariable String token) {
        if (!devices.unregister(externalId, token)) {
            throw new NotFoundException("token", "The contact has no such device token");
        }
        return ResponseEntity.noContent().build();
    }

    private static DeviceRegistration registration(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be an object with token, platform and appId");
        }
        List<FieldError> errors = new ArrayList<>();
        body.propertyNames().forEach(name -> {
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(name, "is not a field of a device (token, platform, appId, previousToken)"));
            }
        });
        String token = JsonFields.optionalText(body, "token", errors);
        String platformCode = JsonFields.optionalText(body, "platform", errors);
        String appId = JsonFields.optionalText(body, "appId", errors);
        String previousToken = JsonFields.optionalText(body, "previousToken", errors);
        DevicePlatform platform = null;
        if (platformCode != null) {
            try {
                platform = DevicePlatform.of(platformCode, "platform");
            } catch (InvalidInputException e) {
                errors.addAll(e.errors());
            }
        }
        try {
            DeviceRegistration registration = new DeviceRegistration(token, platform, appId, previousToken);
            if (errors.isEmpty()) {
                return registration;
            }
        } catch (InvalidInputException e) {
            // Every problem in one answer: the domain's checks add what the request's shape did not already name.
            JsonFields.addDomainErrors(errors, e);
        }
        throw new InvalidInputException(errors);
    }


    private static ObjectNode toJson(DeviceToken d) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("token", d.token());
        json.put("platform", d.platform().code());
        if (d.appId() == null) {
            json.putNull("appId");
        } else {
            json.put("appId", d.appId());
        }
        json.put("createdAt", d.createdAt().toString());
        json.put("lastSeenAt", d.lastSeenAt().toString());
        return json;
    }
}
