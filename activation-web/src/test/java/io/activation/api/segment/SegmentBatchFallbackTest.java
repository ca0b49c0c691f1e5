package io.activation.api.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.access.Scope;
import io.activation.api.segment.MessagePlanner.PlannedMessage;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.Idempotency;
import io.activation.contact.ContactResolver;
import io.activation.contact.Contacts;
import io.activation.ingest.Ingestion;
import io.activation.platform.FieldError;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * When the core refuses a call of a batch after its checks passed (today only a required custom contact attribute
 * does that, which a shared test database cannot have), the batch's transaction is rolled back and the calls are
 * written one transaction each. The refusal is injected into a real writer; everything else is the application's.
 */
class SegmentBatchFallbackTest extends SegmentTestSupport {

    private static final String REFUSED_EVENT = "Refused By The Core";

    @Autowired
    private MessagePlanner planner;
    @Autowired
    private Idempotency idempotency;
    @Autowired
    private TransactionTemplate transactions;
    @Autowired
    private SegmentProperties properties;
    @Autowired
    private JsonMapper json;
    @Autowired
    private Ingestion ingestion;
    @Autowired
    private ContactResolver resolver;
    @Autowired
    private Contacts contacts;

    @Test
    void aCallTheCoreRefusesIsRefusedAloneAndTheOthersAreWrittenOnce() {
        MessageWriter refusing = new MessageWriter(ingestion, resolver, contacts) {
            @Override
            public Map<Integer, ObjectNode> write(List<PlannedMessage> messages) {
                // Write the calls first, so the refusal comes after writes that must be rolled back.
                Map<Integer, ObjectNode> written = super.write(messages.stream()
                        .filter(m -> !REFUSED_EVENT.equals(m.message().name())).toList());
                messages.stream().filter(m -> REFUSED_EVENT.equals(m.message().name())).findFirst().ifPresent(m -> {
                    throw new MessageWriter.MessageRefused(m.index(), "invalid-input",
                            List.of(new FieldError("traits.plan", "is required")));
                });
                return written;
            }
        };
        SegmentTracking tracking = new SegmentTracking(planner, refusing, idempotency, transactions, properties, json,
                clock);
        ApiPrincipal principal = new ApiPrincipal(UUID.randomUUID(), "fallback", Set.of(Scope.INGEST));
        String userId = unique("u");
        String before = unique("m");
        String refused = unique("m");
        String after = unique("m");

        JsonNode answer = (JsonNode) (tracking.batch(principal, JSON.readTree("""
                {"batch": [
                  {"type": "track", "userId": "%1$s", "messageId": "%2$s", "event": "Before"},
                  {"type": "track", "userId": "%1$s", "messageId": "%3$s", "event": "%5$s"},
                  {"type": "track", "userId": "%1$s", "messageId": "%4$s", "event": "After"}
                ]}""".formatted(userId, before, refused, after, REFUSED_EVENT))).getBody());

        assertThat(answer.get("accepted").intValue()).isEqualTo(2);
        assertThat(answer.at("/errors/0/index").intValue()).isEqualTo(1);
        assertThat(answer.at("/errors/0/status").intValue()).isEqualTo(400);
        assertThat(answer.at("/errors/0/problem/field").stringValue()).isEqualTo("batch[1].traits.plan");
        assertThat(events(before)).hasSize(1);
        assertThat(events(after)).hasSize(1);
        assertThat(events(refused)).isEmpty();

        // The refused call's messageId was not claimed: the corrected call goes through with the same id.
        SegmentTracking real = new SegmentTracking(planner, new MessageWriter(ingestion, resolver, contacts),
                idempotency, transactions, properties, json, clock);
        JsonNode retry = (JsonNode) (real.batch(principal, JSON.readTree("""
                {"batch": [{"type": "track", "userId": "%s", "messageId": "%s", "event": "Fixed"}]}"""
                .formatted(userId, refused))).getBody());
        assertThat(retry.get("accepted").intValue()).isEqualTo(1);
        assertThat(retry.get("replayed").intValue()).isZero();
        assertThat(events(refused)).hasSize(1);
    }
}
