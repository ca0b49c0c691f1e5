package io.activation.api.tracking;

import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import io.activation.tracking.Interactions;
import io.activation.tracking.Visitor;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Optional;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The public tracking endpoints. Deliberately outside {@code /api} and {@code /v1}: the API key filter and the scope
 * interceptor cover only those, and a recipient has no key; the signed token is what authorises. A token that does
 * not verify is answered 404 (a click never redirects anywhere but to the URL signed into its token), except by the
 * pixel, which always answers the image. Nothing here is cached, and no page sends a Referer on.
 */
@Hidden
@RestController
@ConditionalOnRole(Role.API)
class TrackingController {

    /** A 1x1 transparent GIF (43 bytes). */
    static final byte[] PIXEL = {
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, (byte) 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x21, (byte) 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

    private static final MediaType HTML = new MediaType("text", "html", java.nio.charset.StandardCharsets.UTF_8);

    private final Interactions interactions;

    TrackingController(Interactions interactions) {
        this.interactions = interactions;
    }

    @GetMapping("/t/o/{token}")
    ResponseEntity<byte[]> open(@PathVariable String token, HttpServletRequest request) {
        interactions.opened(stripExtension(token), visitor(request));
        return ResponseEntity.ok().headers(noStore()).contentType(MediaType.IMAGE_GIF).body(PIXEL);
    }

    @GetMapping("/t/c/{token}")
    ResponseEntity<String> click(@PathVariable String token, HttpServletRequest request) {
        return redirect(interactions.clicked(token, visitor(request)));
    }

    @GetMapping("/s/{code}")
    ResponseEntity<String> shortClick(@PathVariable String code, HttpServletRequest request) {
        return redirect(interactions.shortClicked(code, visitor(request)));
    }

    /** The unsubscribe page: shows what the button does and changes nothing (link scanners follow every GET). */
    @GetMapping("/u/{token}")
    ResponseEntity<String> unsubscribePage(@PathVariable String token) {
        Optional<Interactions.UnsubscribeTarget> target = interactions.unsubscribeTarget(token);
        if (target.isEmpty()) {
            return page(HttpStatus.NOT_FOUND, "Link not valid", "<p>This unsubscribe link is not valid (any more).</p>");
        }
        return page(HttpStatus.OK, "Unsubscribe", """
                <p>Stop receiving marketing %s at <strong>%s</strong>?</p>
                <form method="post"><button type="submit" name="confirm" value="yes">Unsubscribe</button></form>
                """.formatted(noun(target.get().channel()), HtmlUtils.htmlEscape(target.get().maskedAddress())));
    }

    /**
     * Unsubscribes: the page's button, and the RFC 8058 one-click target (a mail client POSTs
     * {@code List-Unsubscribe=One-Click} here, without cookies or a page). Repeating it is harmless.
     */
    @PostMapping("/u/{token}")
    ResponseEntity<String> unsubscribe(@PathVariable String token, HttpServletRequest request) {
        boolean oneClick = "One-Click".equals(request.getParameter("List-Unsubscribe"));
        Optional<Interactions.Unsubscribed> done = interactions.unsubscribe(token, visitor(request), oneClick);
        if (done.isEmpty()) {
            return page(HttpStatus.NOT_FOUND, "Link not valid", "<p>This unsubscribe link is not valid (any more).</p>");
        }
        return page(HttpStatus.OK, "Unsubscribed", """
                <p>You are unsubscribed: no more marketing %s will be sent to <strong>%s</strong>.</p>
                """.formatted(noun(done.get().target().channel()),
                HtmlUtils.htmlEscape(done.get().target().maskedAddress())));
    }

    private static ResponseEntity<String> redirect(Optional<String> target) {
        if (target.isEmpty()) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).headers(noStore()).contentType(MediaType.TEXT_PLAIN)
                    .body("Not found");
        }
        HttpHeaders headers = noStore();
        headers.set(HttpHeaders.LOCATION, URI.create(target.get()).toASCIIString());
        return ResponseEntity.status(HttpStatus.FOUND).headers(headers).build();
    }

    private static ResponseEntity<String> page(HttpStatus status, String title, String body) {
        HttpHeaders headers = noStore();
        headers.set("Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
        headers.set("X-Robots-Tag", "noindex, nofollow");
        String html = """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
                <meta name="robots" content="noindex, nofollow"><title>%s</title>
                <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}
                button{font-size:1rem;padding:.5rem 1.5rem}</style></head>
                <body><h1>%s</h1>
                %s</body></html>
                """.formatted(title, title, body);
        return ResponseEntity.status(status).headers(headers).contentType(HTML).body(html);
    }

    private static HttpHeaders noStore() {
        HttpHeaders headers = new HttpHeaders();
        headers.setCacheControl(CacheControl.noStore().mustRevalidate());
        headers.setPragma("no-cache");
        headers.setExpires(0);
        headers.set("Referrer-Policy", "no-referrer");
        return headers;
    }

    private static Visitor visitor(HttpServletRequest request) {
        return new Visitor(request.getHeader(HttpHeaders.USER_AGENT), request.getRemoteAddr());
    }

    /** Some clients want an image-looking URL; {@code <token>.gif} is accepted as the token. */
    private static String stripExtension(String token) {
        return token.endsWith(".gif") ? token.substring(0, token.length() - 4) : token;
    }

    private static String noun(String channel) {
        return switch (channel) {
            case "sms" -> "text messages";
            case "push" -> "notifications";
            case "print" -> "letters";
            case "wallet" -> "pass updates";
            default -> "e-mails";
        };
    }
}
