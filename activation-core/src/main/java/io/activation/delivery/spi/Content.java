package io.activation.delivery.spi;

import java.util.Map;

/**
 * The rendered message. {@code parts} are the rendered texts by name, {@code data} the key-value payload a channel
 * carries besides them. Names by channel:
 * <ul>
 *   <li>email: parts {@value #SUBJECT}, {@value #HTML}, {@value #TEXT}, {@value #UNSUBSCRIBE_URL} (the page),
 *       {@value #UNSUBSCRIBE_POST_URL} (RFC 8058 one-click target); data: extra headers are not allowed</li>
 *   <li>sms: parts {@value #TEXT}</li>
 *   <li>push: parts {@value #TITLE}, {@value #BODY}, {@value #IMAGE}; data: the FCM data map</li>
 *   <li>wallet: parts {@value #PASS_TYPE} ({@code loyalty} or {@code coupon}), {@value #DESCRIPTION}; data: the
 *       pass fields (label key to value)</li>
 *   <li>print: parts {@value #LETTER} (the letter as HTML)</li>
 *   <li>webhook: parts {@value #BODY} (a JSON document)</li>
 * </ul>
 */
public record Content(Map<String, String> parts, Map<String, String> data) {

    public static final String SUBJECT = "subject";
    public static final String HTML = "html";
    public static final String TEXT = "text";
    public static final String TITLE = "title";
    public static final String BODY = "body";
    public static final String IMAGE = "image";
    public static final String PASS_TYPE = "passType";
    public static final String DESCRIPTION = "description";
    public static final String LETTER = "letter";
    public static final String UNSUBSCRIBE_URL = "unsubscribeUrl";
    public static final String UNSUBSCRIBE_POST_URL = "unsubscribePostUrl";

    public Content {
        parts = parts == null ? Map.of() : Map.copyOf(parts);
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    /** A part, or null. */
    public String part(String name) {
        return parts.get(name);
    }
}
