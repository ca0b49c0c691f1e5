package io.activation.delivery;

import io.activation.ingest.ChangeEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Kafka edge of arbitration: reads the message requests' CloudEvents of a poll and hands their ids to
 * {@link Arbitration#arriveAll}, one transaction for the whole poll. When that fails (one request cannot be
 * decided, a deadlock), nothing of it was written and each request is decided on its own instead, so one bad
 * request does not hold back the others; the first that still fails is reported to the container's error handler
 * by its index (it is retried, then dead-lettered; the records after it are redelivered and, being decided
 * already, left alone).
 */
class ArbitrationListener implements BatchMessageListener<String, String> {

    private static final Logger log = LoggerFactory.getLogger(ArbitrationListener.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Arbitration arbitration;

    ArbitrationListener(Arbitration arbitration) {
        this.arbitration = arbitration;
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, String>> records) {
        List<Long> ids = new ArrayList<>(records.size());
        for (ConsumerRecord<String, String> record : records) {
            ids.add(requestId(record.value()));
        }
        List<Long> known = ids.stream().filter(Objects::nonNull).toList();
        if (known.isEmpty()) {
            return;
        }
        try {
            arbitration.arriveAll(known);
            return;
        } catch (RuntimeException e) {
            log.warn("Deciding {} message requests together failed ({}); deciding them one by one", known.size(),
                    e.toString());
        }
        RuntimeException first = null;
        int failedAt = -1;
        for (int i = 0; i < ids.size(); i++) {
            Long id = ids.get(i);
            if (id == null) {
                continue;
            }
            try {
                arbitration.arrive(id);
            } catch (RuntimeException e) {
                log.warn("Message request {} could not be decided: {}", id, e.toString());
                if (first == null) {
                    first = e;
                    failedAt = i;
                }
            }
        }
        if (first != null) {
            throw new BatchListenerFailedException("message request " + ids.get(failedAt) + " could not be decided",
                    first, failedAt);
        }
    }

    /**
     * The request id of a {@code io.activation.message.requested} event, or null for anything else. Read by a
     * streaming parser that skips everything but {@code type} and {@code data.id} (a JSON tree per record was most
     * of this listener's CPU); {@code ArbitrationListenerTest} pins it to the tree reading it replaced.
     */
    static Long requestId(String value) {
        try (JsonParser p = JSON.createParser(value)) {
            return ChangeEvents.longInData(p, MessageRequests.REQUESTED_EVENT, "id");
        } catch (RuntimeException e) {
            log.warn("Skipping a record of the messages topic that is not JSON");
            return null;
        }
    }
}
