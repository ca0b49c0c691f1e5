package io.activation.api.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.api.journey.JourneyApiSupport;
import io.activation.testing.ProblemAssert;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The send step's delivery options and the trigger context reach the message request; bad ones are named. */
class SendStepOptionsTest extends JourneyApiSupport {

    @Test
    void theSendStepsOptionsAndTheTriggerDataAreStoredOnTheRequest() {
        String template = template("email");
        long scenario = activeScenario("""
                {"name": "Receipt", "trigger": {"type": "api"},
                 "steps": [{"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}],
                            "purpose": "transactional", "quietHours": "skip", "expiresAfter": "PT2H",
                            "confirmWithin": "PT30M"}}]}
                """.formatted(template));
        String who = unique("receipt");
        put("/api/v1/contacts/" + who, "{\"email\": \"" + who + "@example.com\"}").expect(201);
        post("/api/v1/scenarios/" + scenario + "/trigger", """
                {"contact": {"externalId": "%s"}, "payload": {"order": "A-1001", "total": 42.5}}"""
                .formatted(who)).expect(202);
        JsonNode request = awaitMessages(who, 1).get(0);
        assertThat(request.get("purpose").stringValue()).isEqualTo("transactional");
        assertThat(request.get("quietHours").stringValue()).isEqualTo("skip");
        assertThat(request.get("expiresAfter").stringValue()).isEqualTo("PT2H");
        assertThat(request.get("expiresAt").stringValue()).isNotNull();
        assertThat(request.get("confirmWithin").stringValue()).isEqualTo("PT30M");
        assertThat(request.get("context").get("trigger").toString()).contains("A-1001");

        // Transactional: no marketing consent needed, so arbitration dispatches it with the confirmation deadline.
        long id = request.get("id").longValue();
        JsonNode why = await("request " + id + " dispatched", () -> get("/api/v1/message-requests/" + id
                + "/decisions").expect(200).json(), w -> w.get("request").get("status").stringValue()
                .equals("dispatched"));
        JsonNode delivery = why.get("deliveries").get(0);
        assertThat(delivery.get("confirmBy").stringValue()).isNotNull();
    }

    @Test
    void badOptionsAreRefusedWithTheirPath() {
        String template = template("email");
        long draft = post("/api/v1/scenarios", """
                {"name": "Bad", "trigger": {"type": "api"},
                 "steps": [{"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}],
                            "purpose": "sales", "quietHours": "later", "expiresAfter": "tomorrow",
                            "confirmWithin": "-PT1H", "colour": "red"}}]}
                """.formatted(template)).expect(201).json().get("id").longValue();
        JsonNode problem = ProblemAssert.assertProblem(post("/api/v1/scenarios/" + draft + "/activate", null), 422,
                "invalid-input");
        assertThat(ProblemAssert.fieldsNamed(problem)).contains("steps[0].send.purpose", "steps[0].send.quietHours",
                "steps[0].send.expiresAfter", "steps[0].send.confirmWithin", "steps[0].send.colour");

        JsonNode broadcast = ProblemAssert.assertProblem(post("/api/v1/broadcasts", """
                {"name": "Sale", "segment": "everyone", "at": "2031-01-01T09:00",
                 "send": {"channels": [{"channel": "email", "template": "%s"}], "purpose": "spam"}}
                """.formatted(template)), 422, "invalid-input");
        assertThat(ProblemAssert.fieldsNamed(broadcast)).contains("send.purpose");
    }
}
