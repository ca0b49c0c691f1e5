package io.activation.benchmark;

import java.time.Instant;
import java.util.UUID;

/**
 * The one event shape used throughout the benchmark: a {@code product_viewed} with six properties (about 150 bytes
 * of JSON), as a shop's tracking sends it. The raw baselines write the same properties and an outbox payload of the
 * same shape as the one {@code ChangeEvents.eventRecorded} builds.
 */
final class Payloads {

    private static final String[] CATEGORIES = {"shoes", "shirts", "trousers", "jackets", "bags", "hats"};

    private Payloads() {}

    static String properties(int n) {
        int sku = 10_000 + Math.floorMod(n * 7919, 90_000);
        return "{\"sku\":\"SKU-" + sku + "\",\"name\":\"Product " + sku + "\",\"price\":"
                + (10 + Math.floorMod(n, 190)) + ".90,\"currency\":\"EUR\",\"category\":\""
                + CATEGORIES[Math.floorMod(n, CATEGORIES.length)] + "\",\"url\":\"https://shop.example/p/" + sku
                + "\"}";
    }

    /** The body of {@code POST /api/v1/events}, or an item of a batch when {@code itemKey} is not null. */
    static String apiEvent(String externalId, Instant occurredAt, int n, String itemKey) {
        StringBuilder json = new StringBuilder(320)
                .append("{\"type\":\"product_viewed\",\"contact\":{\"externalId\":\"").append(externalId)
                .append("\"},\"occurredAt\":\"").append(occurredAt).append("\",\"properties\":")
                .append(properties(n));
        if (itemKey != null) {
            json.append(",\"idempotencyKey\":\"").append(itemKey).append('"');
        }
        return json.append('}').toString();
    }

    /** A CloudEvents envelope as the outbox holds it for a recorded event. */
    static String cloudEvent(UUID eventId, long contactId, Instant at, int n) {
        String id = eventId.toString();
        return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"/activation/api\","
                + "\"type\":\"io.activation.event.recorded\",\"subject\":\"events/" + id + "\",\"time\":\"" + at
                + "\",\"datacontenttype\":\"application/json\",\"contactid\":\"" + contactId + "\",\"data\":{"
                + "\"eventId\":\"" + id + "\",\"contactId\":" + contactId + ",\"eventType\":\"product_viewed\","
                + "\"occurredAt\":\"" + at + "\",\"properties\":" + properties(n) + "}}";
    }
}
