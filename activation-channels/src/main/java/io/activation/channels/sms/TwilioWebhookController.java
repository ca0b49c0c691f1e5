package io.activation.channels.sms;

import com.twilio.security.RequestValidator;
import io.activation.delivery.spi.InboundMessage;
import io.activation.delivery.spi.ProviderFeedback;
import io.activation.delivery.spi.StatusReport;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Twilio's callbacks: message status ({@value TwilioSmsSender#STATUS_PATH}) and inbound messages
 * ({@value TwilioSmsSender#INBOUND_PATH}). Public endpoints (Twilio holds no API key): each request must carry a
 * valid {@code X-Twilio-Signature} (HMAC-SHA1 with the auth token over the public URL and the sorted form fields),
 * else 403 and nothing happens.
 *
 * <p>Status {@code delivered} reports DELIVERED; {@code undelivered} and {@code failed} report HARD_BOUNCE when the
 * error code says the number cannot receive SMS (30005 unknown handset, 30006 landline, 21211, 21614) and FAILED
 * otherwise; the intermediate statuses (queued, sending, sent, ...) are acknowledged and ignored. Inbound messages
 * go to the core as they are: it maps STOP and START to consent.
 */
@RestController
@ConditionalOnProperty(prefix = "activation.channels.sms.twilio", name = "account-sid")
public class TwilioWebhookController {

    public static final String SIGNATURE_HEADER = "X-Twilio-Signature";

    private static final Logger log = LoggerFactory.getLogger(TwilioWebhookController.class);
    private static final Set<String> HARD_BOUNCE_CODES = Set.of("30005", "30006", "21211", "21614");
    private static final String EMPTY_TWIML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

    private final TwilioProperties properties;
    private final RequestValidator validator;
    private final ObjectProvider<ProviderFeedback> feedback;
    private final Clock clock;

    public TwilioWebhookController(TwilioProperties properties, ObjectProvider<ProviderFeedback> feedback,
            Clock clock) {
        this.properties = properties;
        this.validator = new RequestValidator(properties.authToken());
        this.feedback = feedback;
        this.clock = clock;
    }

    @PostMapping(path = TwilioSmsSender.STATUS_PATH, consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    ResponseEntity<Void> status(HttpServletRequest request,
            @RequestHeader(name = SIGNATURE_HEADER, required = false) String signature) {
        Map<String, String> form = formFields(request);
        if (!signed(TwilioSmsSender.STATUS_PATH, request, form, signature)) {
            return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
        }
        String messageKey = queryParameters(request).get(TwilioSmsSender.MESSAGE_KEY_PARAMETER);
        String sid = form.get("MessageSid");
        String messageStatus = form.get("MessageStatus");
        if ((messageKey == null && sid == null) || messageStatus == null) {
            return ResponseEntity.badRequest().build();
        }
        String errorCode = form.get("ErrorCode");
        StatusReport.Status status = switch (messageStatus) {
            case "delivered" -> StatusReport.Status.DELIVERED;
            case "undelivered", "failed" -> errorCode != null && HARD_BOUNCE_CODES.contains(errorCode)
                    ? StatusReport.Status.HARD_BOUNCE : StatusReport.Status.FAILED;
            default -> null;
        };
        if (status == null) {
            return ResponseEntity.noContent().build();
        }
        ProviderFeedback sink = feedback.getIfAvailable();
        if (sink == null) {
            log.warn("Twilio status {} for {} dropped: no ProviderFeedback in this process", messageStatus, sid);
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build();
        }
        String detail = "Twilio " + messageStatus + (errorCode == null ? "" : " (error " + errorCode + ")");
        sink.status(new StatusReport(TwilioSmsSender.CHANNEL, messageKey, sid, status, detail, clock.instant()));
        return ResponseEntity.noContent().build();
    }

    @PostMapping(path = TwilioSmsSender.INBOUND_PATH, consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
            produces = MediaType.TEXT_XML_VALUE)
    ResponseEntity<String> inbound(HttpServletRequest request,
            @RequestHeader(name = SIGNATURE_HEADER, required = false) String signature) {
        Map<String, String> form = formFields(request);
        if (!signed(TwilioSmsSender.INBOUND_PATH, request, form, signature)) {
            return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
        }
        String from = form.get("From");
        if (from == null || from.isBlank()) {
            return ResponseEntity.badRequest().build();
        }
        ProviderFeedback sink = feedback.getIfAvailable();
        if (sink == null) {
            log.warn("Inbound SMS {} dropped: no ProviderFeedback in this process", form.get("MessageSid"));
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build();
        }
        sink.inbound(new InboundMessage(TwilioSmsSender.CHANNEL, from, form.get("To"), form.get("Body"),
                form.get("MessageSid"), clock.instant()));
        // Empty TwiML: no automatic reply from us (the Messaging Service's opt-out handling answers STOP itself).
        return ResponseEntity.ok().contentType(MediaType.TEXT_XML).body(EMPTY_TWIML);
    }

    private boolean signed(String path, HttpServletRequest request, Map<String, String> form, String signature) {
        if (signature == null || signature.isBlank()) {
            log.warn("Twilio callback to {} refused: no {}", path, SIGNATURE_HEADER);
            return false;
        }
        String query = request.getQueryString();
        String url = properties.statusCallbackBaseUrl() + path + (query == null ? "" : "?" + query);
        if (!validator.validate(url, form, signature)) {
            // Also what a wrong status-callback-base-url looks like: Twilio signed another URL.
            log.warn("Twilio callback refused: the signature does not match {} (check status-callback-base-url)",
                    url);
            return false;
        }
        return true;
    }

    /** The POSTed form fields: the request's parameters less those of the query string. */
    static Map<String, String> formFields(HttpServletRequest request) {
        if (request.getCharacterEncoding() == null) {
            // Twilio posts UTF-8 without naming a charset; the servlet default (ISO-8859-1) would garble the body
            // and break the signature of any text that is not ASCII.
            try {
                request.setCharacterEncoding(StandardCharsets.UTF_8.name());
            } catch (java.io.UnsupportedEncodingException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        Map<String, Integer> inQuery = new HashMap<>();
        String query = request.getQueryString();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (!pair.isEmpty()) {
                    inQuery.merge(decode(pair.split("=", 2)[0]), 1, Integer::sum);
                }
            }
        }
        Map<String, String> form = new LinkedHashMap<>();
        request.getParameterMap().forEach((name, values) -> {
            int skip = inQuery.getOrDefault(name, 0);
            if (values.length > skip) {
                form.put(name, values[skip]);
            }
        });
        return form;
    }

    static Map<String, String> queryParameters(HttpServletRequest request) {
        Map<String, String> params = new LinkedHashMap<>();
        String query = request.getQueryString();
        if (query != null) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                params.putIfAbsent(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
            }
        }
        return params;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
