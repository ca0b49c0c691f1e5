package io.activation.channels.wallet;

import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.Role;
import io.activation.platform.NotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The PassKit web service (Apple's "Wallet web service" reference) under {@code /wallet/v1}, plus a signed download
 * link. Wallet authenticates with {@code Authorization: ApplePass <authenticationToken>} of the pass; a wrong or
 * missing token is 401 with nothing changed. Outside {@code /api} and {@code /v1}: no API key. A scanned controller
 * (the handler mapping needs the annotation) with the same condition as {@link WalletChannelConfiguration}.
 */
@RestController
@RequestMapping("/wallet/v1")
@ConditionalOnExpression("!'${activation.channels.wallet.certificate:}'.isBlank()")
@ConditionalOnRole(Role.API)
public class WalletWebService {

    private static final Logger log = LoggerFactory.getLogger(WalletWebService.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_LOG_ENTRIES = 100;
    private static final int MAX_LOG_LENGTH = 1000;
    private static final int MAX_BODY_BYTES = 64 * 1024;

    private final WalletPasses passes;
    private final PassFactory factory;
    private final WalletLinks links;
    private final String passTypeIdentifier;

    public WalletWebService(WalletPasses passes, PassFactory factory, WalletLinks links,
            WalletChannelProperties properties) {
        this.passes = passes;
        this.factory = factory;
        this.links = links;
        this.passTypeIdentifier = properties.passTypeIdentifier();
    }

    /** Register a device to receive push notifications for a pass: 201 new, 200 already registered. */
    @PostMapping("/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}/{serialNumber}")
    ResponseEntity<Void> register(@PathVariable String deviceLibraryIdentifier,
            @PathVariable String passTypeIdentifier, @PathVariable String serialNumber,
            @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization,
            InputStream body) throws IOException {
        if (authorized(passTypeIdentifier, serialNumber, authorization).isEmpty()) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
        }
        checkIdentifier("deviceLibraryIdentifier", deviceLibraryIdentifier);
        String pushToken = pushToken(read(body, "pushToken"));
        boolean created = passes.register(deviceLibraryIdentifier, passTypeIdentifier, serialNumber, pushToken);
        return ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK).build();
    }

    /** Unregister a device from a pass's updates. */
    @DeleteMapping("/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}/{serialNumber}")
    ResponseEntity<Void> unregister(@PathVariable String deviceLibraryIdentifier,
            @PathVariable String passTypeIdentifier, @PathVariable String serialNumber,
            @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        if (authorized(passTypeIdentifier, serialNumber, authorization).isEmpty()) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
        }
        passes.unregister(deviceLibraryIdentifier, passTypeIdentifier, serialNumber);
        return ResponseEntity.ok().build();
    }

    /** The serial numbers of the device's passes changed since the tag: 200 with them, 204 when none. */
    @GetMapping(path = "/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}",
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> updatedSerials(@PathVariable String deviceLibraryIdentifier,
            @PathVariable String passTypeIdentifier,
            @RequestParam(value = "passesUpdatedSince", required = false) String passesUpdatedSince) {
        Long since = null;
        if (passesUpdatedSince != null && !passesUpdatedSince.isBlank()) {
            try {
                since = Long.parseLong(passesUpdatedSince.trim());
            } catch (NumberFormatException e) {
                throw new InvalidInputException("passesUpdatedSince",
                        "must be a tag this service returned as lastUpdated");
            }
        }
        WalletPasses.Updated updated = passes.updatedSince(deviceLibraryIdentifier, passTypeIdentifier, since);
        if (updated.serialNumbers().isEmpty()) {
            return ResponseEntity.noContent().build();
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("serialNumbers", updated.serialNumbers());
        answer.put("lastUpdated", updated.lastUpdated());
        return ResponseEntity.ok(answer);
    }

    /** The latest version of a pass, 304 when it did not change since {@code If-Modified-Since}. */
    @GetMapping("/passes/{passTypeIdentifier}/{serialNumber}")
    ResponseEntity<byte[]> latestPass(@PathVariable String passTypeIdentifier, @PathVariable String serialNumber,
            @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization,
            @RequestHeader(value = HttpHeaders.IF_MODIFIED_SINCE, required = false) String ifModifiedSince) {
        Optional<WalletPass> pass = authorized(passTypeIdentifier, serialNumber, authorization);
        if (pass.isEmpty()) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
        }
        Instant modified = pass.get().updatedAt().truncatedTo(ChronoUnit.SECONDS);
        Instant since = httpDate(ifModifiedSince);
        if (since != null && !modified.isAfter(since)) {
            return ResponseEntity.status(HttpStatus.NOT_MODIFIED).lastModified(modified).build();
        }
        return pkpass(pass.get(), modified, false);
    }

    /** Messages Wallet logs about errors with this service. */
    @PostMapping("/log")
    ResponseEntity<Void> log(InputStream body) throws IOException {
        JsonNode logs = parse(read(body, "logs"), "logs").path("logs");
        if (!logs.isArray()) {
            throw new InvalidInputException("logs", "must be an array of strings");
        }
        int n = 0;
        for (JsonNode entry : logs) {
            if (n++ == MAX_LOG_ENTRIES) {
                break;
            }
            String text = entry.asString("");
            log.warn("Wallet log: {}", text.length() > MAX_LOG_LENGTH ? text.substring(0, MAX_LOG_LENGTH) : text);
        }
        return ResponseEntity.ok().build();
    }

    /** A contact's pass by a signed link (for an e-mail's "Add to Apple Wallet" button). */
    @GetMapping("/download/{token}")
    ResponseEntity<byte[]> download(@PathVariable String token) {
        WalletLinks.Target target = links.verify(token);
        if (target == null) {
            throw new NotFoundException("token", "no pass for this link");
        }
        WalletPass pass = passes.findForContact(passTypeIdentifier, target.contactId(), target.style())
                .orElseThrow(() -> new NotFoundException("token", "no pass for this link"));
        return pkpass(pass, pass.updatedAt().truncatedTo(ChronoUnit.SECONDS), true);
    }

    private ResponseEntity<byte[]> pkpass(WalletPass pass, Instant modified, boolean attachment) {
        ResponseEntity.BodyBuilder answer = ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(PassFactory.CONTENT_TYPE))
                .lastModified(modified)
                .cacheControl(CacheControl.noCache());
        if (attachment) {
            answer.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"pass.pkpass\"");
        }
        return answer.body(factory.signed(pass));
    }

    /** The pass when the header carries its token; empty (401) otherwise, also for an unknown pass. */
    private Optional<WalletPass> authorized(String passTypeIdentifier, String serialNumber, String authorization) {
        if (authorization == null || !authorization.startsWith("ApplePass ")) {
            return Optional.empty();
        }
        String token = authorization.substring("ApplePass ".length()).trim();
        return passes.find(passTypeIdentifier, serialNumber).filter(p -> java.security.MessageDigest.isEqual(
                p.authToken().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                token.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }

    private static String pushToken(String body) {
        JsonNode token = parse(body, "pushToken").path("pushToken");
        if (!token.isString() || token.asString().isBlank()) {
            throw new InvalidInputException("pushToken", "is required");
        }
        String value = token.asString().trim();
        if (value.length() > 255 || !value.matches("[0-9A-Za-z_-]+")) {
            throw new InvalidInputException("pushToken", "must be an APNs device token");
        }
        return value;
    }

    /** The body as UTF-8, refused past {@value #MAX_BODY_BYTES} bytes (these endpoints are public). */
    private static String read(InputStream body, String field) throws IOException {
        byte[] bytes = body.readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) {
            throw new InvalidInputException(field, "the body is larger than " + MAX_BODY_BYTES / 1024 + " KB");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void checkIdentifier(String field, String value) {
        if (value.length() > 255) {
            throw new InvalidInputException(field, "must be at most 255 characters");
        }
    }

    private static JsonNode parse(String body, String field) {
        if (body == null || body.isBlank()) {
            throw new InvalidInputException(field, "is required");
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (!node.isObject()) {
                throw new InvalidInputException(field, "the body must be a JSON object");
            }
            return node;
        } catch (JacksonException e) {
            throw new InvalidInputException(field, "the body is not valid JSON");
        }
    }

    private static Instant httpDate(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return java.time.ZonedDateTime.parse(value.trim(),
                    java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null; // an unreadable validator is ignored (RFC 9110): the full answer goes out
        }
    }
}
