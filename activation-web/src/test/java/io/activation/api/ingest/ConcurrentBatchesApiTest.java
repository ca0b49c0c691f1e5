package io.activation.api.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import io.activation.testing.Concurrently;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.RepeatedTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Batches that name the same new contacts, rows or keys in different orders, sent at the same moment: none may
 * fail (a deadlock between them is a 500) and nothing may be created twice.
 */
class ConcurrentBatchesApiTest extends ApiTest {

    private static final int THREADS = 8;
    private static final int ITEMS = 200;

    @Autowired
    JdbcTemplate jdbc;

    @RepeatedTest(3)
    void eventBatchesCreateEachNewContactOnce() throws Exception {
        List<String> ids = ids("c");
        sendShuffled("/api/v1/events/batch", ids,
                id -> "{\"type\": \"visit\", \"contact\": {\"externalId\": \"" + id + "\"}}");
        for (String id : List.of(ids.get(0), ids.get(ITEMS / 2), ids.get(ITEMS - 1))) {
            assertThat(jdbc.queryForObject("select count(*) from events e join contacts c on c.id = e.contact_id"
                    + " where c.external_id = ?", Long.class, id)).isEqualTo(THREADS);
        }
        assertThat(contactsNamed(ids)).isEqualTo(ITEMS);
    }

    @RepeatedTest(2)
    void anonymousEventBatchesCreateEachAnonymousContactOnce() throws Exception {
        List<String> ids = ids("anon").subList(0, ITEMS / 2);
        sendShuffled("/api/v1/events/batch", ids,
                id -> "{\"type\": \"visit\", \"contact\": {\"anonymousId\": \"" + id + "\"}}");
        assertThat(jdbc.queryForObject("select count(distinct contact_id) from contact_identities"
                + " where anonymous_id = any(?)", Long.class, (Object) ids.toArray(String[]::new))).isEqualTo(ids.size());
    }

    @RepeatedTest(3)
    void contactBatchesUpsertEachContactOnce() throws Exception {
        List<String> ids = ids("c");
        sendShuffled("/api/v1/contacts/batch", ids, id -> "{\"externalId\": \"" + id + "\", \"firstName\": \"Same\"}");
        assertThat(contactsNamed(ids)).isEqualTo(ITEMS);
    }

    @RepeatedTest(3)
    void rowBatchesInsertEachRowOnce() throws Exception {
        String carts = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "cart_id",
                 "attributes": [{"name": "cart_id", "type": "text"}, {"name": "n", "type": "integer"}]}
                """.formatted(unique("carts")));
        String owner = unique("c");
        List<String> keys = ids("k");
        sendShuffled("/api/v1/tables/" + carts + "/rows/batch", keys, key -> "{\"contact\": {\"externalId\": \""
                + owner + "\"}, \"values\": {\"cart_id\": \"" + key + "\", \"n\": 1}}");
        assertThat(jdbc.queryForObject("select count(*) from data.\"" + carts + "\"", Long.class)).isEqualTo(ITEMS);
        assertThat(jdbc.queryForObject("select count(*) from contacts where external_id = ?", Long.class, owner))
                .isEqualTo(1);
    }

    @RepeatedTest(3)
    void batchesWithItemKeysClaimEachKeyOnce() throws Exception {
        String owner = unique("c");
        List<String> keys = ids("k");
        sendShuffled("/api/v1/events/batch", keys, key -> "{\"type\": \"visit\", \"contact\": {\"externalId\": \""
                + owner + "\"}, \"idempotencyKey\": \"" + key + "\"}");
        assertThat(jdbc.queryForObject("select count(*) from events e join contacts c on c.id = e.contact_id"
                + " where c.external_id = ?", Long.class, owner)).isEqualTo(ITEMS);
    }

    private void sendShuffled(String path, List<String> ids, Function<String, String> item) throws Exception {
        Random random = new Random(ids.get(0).hashCode());
        List<String> bodies = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            List<String> order = new ArrayList<>(ids);
            Collections.shuffle(order, random);
            bodies.add("{\"items\": [" + String.join(", ", order.stream().map(item).toList()) + "]}");
        }
        List<ApiTest.Response> answers = Concurrently.run(THREADS, thread -> post(path, bodies.get(thread)));
        assertThat(answers).allSatisfy(r -> {
            r.expect(200);
            assertThat(r.json().get("accepted").intValue()).isEqualTo(ids.size());
        });
    }

    private List<String> ids(String prefix) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            ids.add(unique(prefix));
        }
        return ids;
    }

    private long contactsNamed(List<String> ids) {
        return jdbc.queryForObject("select count(*) from contacts where external_id = any(?)", Long.class,
                (Object) ids.toArray(String[]::new));
    }
}
