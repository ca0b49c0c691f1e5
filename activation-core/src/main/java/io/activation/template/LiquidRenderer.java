package io.activation.template;

import io.activation.tracking.TrackingLinks;
import io.activation.tracking.TrackingProperties;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders catalogue templates in the {@link LiquidSandbox} with the {@link Personalisation} context, then makes the
 * message trackable: every http(s) link of e-mail HTML and text becomes a signed click link, SMS links become short
 * click links, e-mail HTML gets the open pixel and the message its unsubscribe parts. A preview (no delivery id)
 * leaves links as written and adds no pixel.
 */
@Service
class LiquidRenderer implements MessageRenderer {

    /*
     * A link in HTML (href="http...") and in text (http...), each starting at a word boundary. The patterns are
     * anchored: they are tried only where "href" or "http" begins (see matchesAt), because a case-insensitive
     * pattern that starts with a word boundary is tried at every position of the body (15 % of the e-mail
     * pipeline's CPU).
     */
    static final Pattern HREF = Pattern.compile("(?i)(href\\s*=\\s*)([\"'])(https?://[^\"'\\s<>]+)\\2");
    static final Pattern URL = Pattern.compile("(?i)https?://[^\\s<>\"']+");
    private static final String PREVIEW_UNSUBSCRIBE = "#unsubscribe";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Templates templates;
    private final LiquidSandbox sandbox;
    private final Personalisation personalisation;
    private final TrackingLinks tracking;
    private final String trackingOrigin;

    LiquidRenderer(Templates templates, LiquidSandbox sandbox, Personalisation personalisation,
            TrackingLinks tracking, TrackingProperties trackingProperties) {
        this.templates = templates;
        this.sandbox = sandbox;
        this.personalisation = personalisation;
        this.tracking = tracking;
        String base = trackingProperties.baseUrl();
        this.trackingOrigin = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /**
     * Renders a catalogue template. The template comes from this node's copy (no query); its version is confirmed
     * in the personalisation's round trip, and a template edited meanwhile is read again and the render redone, so
     * an edit is used by the next render on every node.
     */
    @Override
    public RenderedMessage render(RenderRequest request) {
        Optional<Templates.Current> known = templates.cached(request.template(), request.channel());
        for (int attempt = 0; attempt < 3; attempt++) {
            Templates.Current current = known.isPresent() ? known.get()
                    : templates.reload(request.template(), request.channel()).orElseThrow(() -> new RenderException(
                            "template", "There is no " + request.channel() + " template '" + request.template()
                                    + "'"));
            Personalisation.Built built = personalisation.build(request.contactId(), request.context(),
                    current.sources(), current.check());
            if (built.templateCurrent()) {
                return render(current.template(), request, built.values());
            }
            known = Optional.empty();
        }
        // Not a RenderException: the template is fine, it was being edited; the sender retries the delivery.
        throw new IllegalStateException("The " + request.channel() + " template '" + request.template()
                + "' kept changing while it was rendered");
    }

    /** Renders a given template (the preview and test send know it by id). */
    RenderedMessage render(Template template, RenderRequest request) {
        String sources = String.join("\n", template.parts().values()) + "\n"
                + String.join("\n", template.data().values());
        return render(template, request, personalisation.build(request.contactId(), request.context(), sources));
    }

    private RenderedMessage render(Template template, RenderRequest request, Map<String, Object> context) {
        Long deliveryId = request.deliveryId();
        Map<String, Object> links = new LinkedHashMap<>();
        String unsubscribe = deliveryId == null ? PREVIEW_UNSUBSCRIBE : tracking.unsubscribePage(deliveryId);
        links.put("unsubscribe", unsubscribe);
        links.put("preferences", unsubscribe);
        context.put("links", links);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("channel", template.channel());
        message.put("template", template.name());
        message.put("deliveryId", deliveryId);
        message.put("messageKey", request.messageKey());
        context.put("message", message);

        // Every part and data field of the message in one hand-off to the sandbox's render pool.
        List<String> partNames = new ArrayList<>();
        List<LiquidSandbox.Field> fields = new ArrayList<>();
        for (String name : ChannelParts.parts(template.channel())) {
            String source = template.parts().get(name);
            if (source != null) {
                partNames.add(name);
                fields.add(new LiquidSandbox.Field("parts." + name, source));
            }
        }
        List<String> dataKeys = new ArrayList<>(template.data().keySet());
        dataKeys.forEach(key -> fields.add(new LiquidSandbox.Field("data." + key, template.data().get(key))));
        List<String> rendered = sandbox.renderAll(fields, context);
        Map<String, String> parts = new LinkedHashMap<>();
        for (int i = 0; i < partNames.size(); i++) {
            parts.put(partNames.get(i), rendered.get(i));
        }
        Map<String, String> data = new LinkedHashMap<>();
        for (int i = 0; i < dataKeys.size(); i++) {
            data.put(dataKeys.get(i), rendered.get(partNames.size() + i));
        }
        switch (template.channel()) {
            case "email" -> email(parts, deliveryId, unsubscribe);
            case "sms" -> {
                if (deliveryId != null && parts.get(ChannelParts.TEXT) != null) {
                    parts.put(ChannelParts.TEXT, wrapText(parts.get(ChannelParts.TEXT),
                            url -> tracking.shortClick(deliveryId, url)));
                }
            }
            case "wallet" -> {
                String passType = parts.get(ChannelParts.PASS_TYPE);
                if (passType == null || !ChannelParts.PASS_TYPES.contains(passType.strip())) {
                    throw new RenderException("parts.passType", "parts.passType must render to one of "
                            + ChannelParts.PASS_TYPES.stream().sorted().toList() + ", not '" + passType + "'");
                }
                parts.put(ChannelParts.PASS_TYPE, passType.strip());
            }
            case "webhook" -> {
                try {
                    JSON.readTree(parts.getOrDefault(ChannelParts.BODY, ""));
                } catch (JacksonException e) {
                    throw new RenderException("parts.body", "parts.body does not render to a JSON document: "
                            + e.getOriginalMessage());
                }
            }
            default -> { }
        }
        return new RenderedMessage(parts, data);
    }

    /**
     * Tracks the e-mail's links. A message's HTML and text name the same links (the text is derived from the HTML),
     * so each distinct URL is signed once per message, and the unsubscribe token once for the body, the
     * {@code List-Unsubscribe} page and its one-click target: half the HMACs of a message.
     */
    private void email(Map<String, String> parts, Long deliveryId, String unsubscribe) {
        String html = parts.get(ChannelParts.HTML);
        if (html != null && parts.get(ChannelParts.TEXT) == null) {
            parts.put(ChannelParts.TEXT, HtmlText.of(html));
        }
        if (deliveryId == null) {
            return;
        }
        Map<String, String> signed = new HashMap<>();
        java.util.function.UnaryOperator<String> click =
                url -> signed.computeIfAbsent(url, u -> tracking.click(deliveryId, u));
        if (html != null) {
            StringBuilder sb = new StringBuilder(html.length() + 512);
            int copied = 0;
            for (MatchResult href : matchesAt(html, "href", HREF)) {
                String url = HtmlText.unescape(href.group(3));
                String tracked = ours(url) ? href.group(3) : click.apply(url);
                sb.append(html, copied, href.start()).append(href.group(1)).append(href.group(2)).append(tracked)
                        .append(href.group(2));
                copied = href.end();
            }
            sb.append(html, copied, html.length());
            String pixel = "<img src=\"" + tracking.openPixel(deliveryId)
                    + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">";
            int at = lastBodyEnd(sb);
            if (at >= 0) {
                sb.insert(at, pixel);
            } else {
                sb.append(pixel);
            }
            parts.put(ChannelParts.HTML, sb.toString());
        }
        String text = parts.get(ChannelParts.TEXT);
        if (text != null) {
            parts.put(ChannelParts.TEXT, wrapText(text, click));
        }
        // TrackingLinks.unsubscribeOneClick is the page's URL (only a POST to it unsubscribes).
        parts.put(ChannelParts.UNSUBSCRIBE_URL, unsubscribe);
        parts.put(ChannelParts.UNSUBSCRIBE_POST_URL, unsubscribe);
    }

    /**
     * Where the last {@code </body>} (any case, blanks allowed before {@code >}) begins, or -1: what the last
     * {@code find()} of {@code (?i)</body\\s*>} answers, found from the end instead of trying a case-insensitive pattern
     * at every position of the body (3 % of the e-mail pipeline's samples); {@code LinkMatchingTest} pins it.
     */
    static int lastBodyEnd(CharSequence html) {
        for (int i = html.length() - 6; i >= 0; i--) {
            if (html.charAt(i) != '<' || html.charAt(i + 1) != '/' || !regionMatchesBody(html, i + 2)) {
                continue;
            }
            int j = i + 6;
            while (j < html.length() && isRegexSpace(html.charAt(j))) {
                j++;
            }
            if (j < html.length() && html.charAt(j) == '>') {
                return i;
            }
        }
        return -1;
    }

    private static boolean regionMatchesBody(CharSequence s, int from) {
        String body = "body";
        for (int k = 0; k < 4; k++) {
            char c = s.charAt(from + k);
            if (c != body.charAt(k) && c != Character.toUpperCase(body.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    /** {@code \\s} of a regex without UNICODE_CHARACTER_CLASS: space, tab, line feed, vertical tab, form feed, return. */
    private static boolean isRegexSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private String wrapText(String text, java.util.function.UnaryOperator<String> track) {
        StringBuilder sb = new StringBuilder(text.length() + 512);
        int copied = 0;
        for (MatchResult found : matchesAt(text, "http", URL)) {
            String url = found.group();
            String trailing = "";
            while (!url.isEmpty() && ".,;:!?)]}".indexOf(url.charAt(url.length() - 1)) >= 0) {
                trailing = url.charAt(url.length() - 1) + trailing;
                url = url.substring(0, url.length() - 1);
            }
            String tracked = ours(url) ? url : track.apply(url);
            sb.append(text, copied, found.start()).append(tracked).append(trailing);
            copied = found.end();
        }
        sb.append(text, copied, text.length());
        return sb.toString();
    }

    /**
     * The matches of {@code anchored} in {@code text} that begin where {@code word} (lower-case ASCII) begins in
     * any case at a word boundary, left to right and not overlapping: what {@code find()} of the same pattern
     * preceded by {@code (?i)\\b} returns, without trying the pattern at every position.
     */
    static List<MatchResult> matchesAt(String text, String word, Pattern anchored) {
        List<MatchResult> found = new ArrayList<>();
        Matcher matcher = anchored.matcher(text);
        int length = text.length();
        char first = word.charAt(0);
        for (int i = 0; i <= length - word.length(); i++) {
            if ((text.charAt(i) | 0x20) != first || !text.regionMatches(true, i, word, 0, word.length())) {
                continue;
            }
            if (i > 0 && (Character.isLetterOrDigit(text.charAt(i - 1)) || text.charAt(i - 1) == '_')) {
                continue;
            }
            matcher.region(i, length);
            if (matcher.lookingAt()) {
                found.add(matcher.toMatchResult());
                i = matcher.end() - 1;
            }
        }
        return found;
    }

    /** Our own tracking and unsubscribe links are never wrapped again. */
    private boolean ours(String url) {
        return url.startsWith(trackingOrigin + "/t/") || url.startsWith(trackingOrigin + "/u/")
                || url.startsWith(trackingOrigin + "/s/");
    }
}
