package io.activation.journey;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.activation.journey.webhook.WebhookCaller;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The plug-in steps (webhook, score) and conditions by the segment rule compiler. The webhook receiver is a
 * WireMock server on 127.0.0.1 and a dynamic port; the shared test configuration's webhook caller allows that one
 * address and nothing else private.
 */
class JourneyStepsTest extends EngineTestSupport {

    private static final String SECRET = "whsec-0123456789abcdef";
    private static WireMockServer receiver;

    @BeforeAll
    static void startReceiver() {
        receiver = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        receiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop();
    }

    private String hook(String path, int status, int delayMillis) {
        receiver.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlEqualTo(path)).willReturn(aResponse().withStatus(status)
                .withFixedDelay(delayMillis).withBody("{}")));
        return "http://127.0.0.1:" + receiver.port() + path;
    }

    private List<LoggedRequest> calls(String path) {
        return receiver.findAll(postRequestedFor(urlEqualTo(path)));
    }

    @Test
    void theWebhookStepPostsASignedBodyWithTheEffectKeyAndRecordsTheOutcome() throws Exception {
        String path = "/" + unique("crm");
        String url = hook(path, 200, 0);
        String done = template("email");
        long scenario = activeScenario("""
                {"name": "Tell the CRM", "trigger": {"type": "api"},
                 "steps": [
                   {"id": "crm", "webhook": {"url": "%s", "secret": "%s", "timeoutSeconds": 5,
                      "body": {"contact": "${contact.id}", "journey": "${instance.id}",
                               "tags": ["welcome", "${trigger.source}"], "score": 3}},
                    "next": "done"},
                   {"id": "done", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(url, SECRET, done));
        String who = unique("hooked");
        put("/api/v1/contacts/" + who, "{}").expect(201);
        long contactId = contactId(who);
        post("/api/v1/scenarios/" + scenario + "/trigger", """
                {"contact": {"externalId": "%s"}, "payload": {"source": "shop"}}""".formatted(who)).expect(202);

        long journeyId = awaitJourney(who, "completed", "done").get("id").longValue();
        List<LoggedRequest> calls = calls(path);
        assertThat(calls).hasSize(1);
        LoggedRequest call = calls.get(0);
        assertThat(call.getHeader("Idempotency-Key")).isEqualTo("journey:" + journeyId + ":crm:1");
        JsonNode body = JSON.readTree(call.getBodyAsString());
        assertThat(body.get("contact").stringValue()).isEqualTo(Long.toString(contactId));
        assertThat(body.get("journey").stringValue()).isEqualTo(Long.toString(journeyId));
        assertThat(body.get("tags").get(1).stringValue()).isEqualTo("shop");
        assertThat(body.get("score").intValue()).isEqualTo(3);
        String signature = call.getHeader(WebhookCaller.SIGNATURE_HEADER);
        long t = Long.parseLong(signature.substring(2, signature.indexOf(',')));
        assertThat(signature).isEqualTo(WebhookCaller.signature(SECRET, t, call.getBody()));
        assertThat(history(journeyId)).anySatisfy(h -> assertThat(h).startsWith("webhook ok: POST http://127.0.0.1:"
                + receiver.port() + path + ": HTTP 200 in "));
        assertThat(messageRequests(who)).hasSize(1);
    }

    @Test
    void aLiteralSecretIsNeverShownAndADefinitionSavedBackAsReadKeepsIt() throws Exception {
        String path = "/" + unique("kept");
        String definition = """
                {"name": "Kept secret", "trigger": {"type": "api"},
                 "steps": [{"id": "crm", "webhook": {"url": "%s", "secret": "%s"}}]}
                """.formatted(hook(path, 200, 0), SECRET);
        long scenario = activeScenario(definition);

        String read = get("/api/v1/scenarios/" + scenario).expect(200).body();
        assertThat(read).doesNotContain(SECRET);
        JsonNode shown = JSON.readTree(read).get("definition");
        assertThat(shown.get("steps").get(0).get("webhook").get("secret").toString()).isEqualTo(
                "{\"redacted\":true}");
        assertThat(get("/api/v1/scenarios/" + scenario + "/versions").expect(200).body()).doesNotContain(SECRET);
        assertThat(get("/api/v1/scenarios/" + scenario + "/versions/1").expect(200).body()).doesNotContain(SECRET);

        // Saved back as read (renamed): version 2 still signs with the secret, and the answer does not show it.
        String renamed = shown.toString().replace("Kept secret", "Kept secret, renamed");
        assertThat(put("/api/v1/scenarios/" + scenario, renamed).expect(200).body()).doesNotContain(SECRET);
        String who = unique("kept");
        put("/api/v1/contacts/" + who, "{}").expect(201);
        triggerFor(scenario, who);
        awaitJourney(who, "completed", "crm");
        LoggedRequest call = calls(path).get(0);
        String signature = call.getHeader(WebhookCaller.SIGNATURE_HEADER);
        long t = Long.parseLong(signature.substring(2, signature.indexOf(',')));
        assertThat(signature).isEqualTo(WebhookCaller.signature(SECRET, t, call.getBody()));

        // The placeholder keeps the secret of the same step only: another step id, or a new scenario, has none.
        String moved = shown.toString().replace("\"crm\"", "\"crm2\"");
        assertThat(put("/api/v1/scenarios/" + scenario, moved).expect(422).body())
                .contains("steps[0].webhook.secret").contains("no step 'crm2' with a literal secret");
        assertThat(post("/api/v1/scenarios", shown.toString()).expect(422).body())
                .contains("steps[0].webhook.secret").contains("the scenario is new");
        assertThat(get("/api/v1/scenarios/" + scenario).expect(200).json().get("latestVersion").intValue())
                .isEqualTo(2);
    }

    @Test
    void aSecretReferenceIsReadFromTheSettingsWhenTheStepRuns() {
        // The settings are Spring's environment; system properties are one of its live sources, so a reference
        // can be configured for this test alone without another application context.
        String ref = unique("crm");
        String secret = "from-the-environment-" + ref;
        System.setProperty("activation.webhooks.secrets." + ref, secret);
        try {
            String path = "/" + unique("signed");
            long scenario = activeScenario("""
                    {"name": "Signed by reference", "trigger": {"type": "api"},
                     "steps": [{"id": "call", "webhook": {"url": "%s", "secret": {"ref": "%s"}}}]}
                    """.formatted(hook(path, 204, 0), ref));
            String who = unique("signed");
            put("/api/v1/contacts/" + who, "{}").expect(201);
            triggerFor(scenario, who);
            long journeyId = awaitJourney(who, "completed", "call").get("id").longValue();
            LoggedRequest call = calls(path).get(0);
            String signature = call.getHeader(WebhookCaller.SIGNATURE_HEADER);
            long t = Long.parseLong(signature.substring(2, signature.indexOf(',')));
            assertThat(signature).isEqualTo(WebhookCaller.signature(secret, t, call.getBody()));
            // Without a body the step describes the journey.
            JsonNode body = JSON.readTree(call.getBodyAsString());
            assertThat(body.get("journeyId").longValue()).isEqualTo(journeyId);
            assertThat(body.get("stepId").stringValue()).isEqualTo("call");
            assertThat(body.get("contactId").longValue()).isEqualTo(contactId(who));
        } finally {
            System.clearProperty("activation.webhooks.secrets." + ref);
        }
    }

    @Test
    void aFailedCallTakesTheFailureBranchOrGoesOnWhenThereIsNoneAndIsNeverRetried() {
        String refusing = "/" + unique("down");
        String slow = "/" + unique("slow");
        String ok = template("email");
        String sorry = template("email");
        long scenario = activeScenario("""
                {"name": "Hooks that fail", "trigger": {"type": "api"},
                 "steps": [
                   {"id": "down", "webhook": {"url": "%s"}, "next": "slow", "onFailure": "sorry"},
                   {"id": "sorry", "send": {"channels": [{"channel": "email", "template": "%s"}]}, "next": "slow"},
                   {"id": "slow", "webhook": {"url": "%s", "timeoutSeconds": 1}, "next": "ok"},
                   {"id": "ok", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(hook(refusing, 503, 0), sorry, hook(slow, 200, 3000), ok));
        String who = unique("unlucky");
        put("/api/v1/contacts/" + who, "{}").expect(201);
        triggerFor(scenario, who);

        long journeyId = awaitJourney(who, "completed", "ok").get("id").longValue();
        JsonNode requests = messageRequests(who);
        assertThat(requests).hasSize(2);
        assertThat(requests.findValuesAsString("stepId")).containsExactlyInAnyOrder("sorry", "ok");
        List<String> history = history(journeyId);
        assertThat(history).anySatisfy(h -> assertThat(h).startsWith("webhook failed: POST ").contains(refusing
                + ": HTTP 503 in "));
        assertThat(history).anySatisfy(h -> assertThat(h).startsWith("webhook failed: POST ")
                .contains(slow + ": timeout"));
        assertThat(calls(refusing)).hasSize(1);
        assertThat(calls(slow)).hasSize(1);
    }

    @Test
    void aVisitWhoseEffectIsRecordedDoesNotCallAgain() {
        String path = "/" + unique("once");
        String url = hook(path, 200, 0);
        long scenario = activeScenario("""
                {"name": "Wait then call", "trigger": {"type": "api"},
                 "steps": [{"id": "hour", "wait": {"duration": "PT1H"}, "next": "call"},
                           {"id": "call", "webhook": {"url": "%s"}}]}""".formatted(url));
        String who = unique("replayed");
        put("/api/v1/contacts/" + who, "{}").expect(201);
        triggerFor(scenario, who);
        long journeyId = awaitJourney(who, "waiting", "hour").get("id").longValue();
        // As if a previous attempt of this visit had committed its effect (step "call" is the journey's 2nd visit).
        jdbc.update("insert into journey_effects (effect_key, applied_at) values (?, now())",
                "journey:" + journeyId + ":call:2");

        clock.advance(Duration.ofMinutes(61));
        awaitJourney(who, "completed", "call");
        assertThat(calls(path)).isEmpty();
        assertThat(history(journeyId)).contains("duplicate: journey:" + journeyId + ":call:2");
    }

    @Test
    void webhookSettingsAreCheckedWhenTheScenarioIsValidated() {
        Map<String, String> problems = problemsOf("""
                {"name": "Bad hooks", "trigger": {"type": "api"},
                 "steps": [
                   {"id": "a", "webhook": {"url": "ftp://example.com/x"}, "next": "b"},
                   {"id": "b", "webhook": {"url": "http://10.1.2.3/hook"}, "next": "c"},
                   {"id": "c", "webhook": {"url": "http://169.254.169.254/latest/meta-data"}, "next": "d"},
                   {"id": "d", "webhook": {"url": "https://hooks.example.com/x", "secret": {"ref": "%s"},
                                           "timeoutSeconds": 99, "colour": "red"}, "next": "e",
                    "onFailure": "nowhere"},
                   {"id": "e", "wait": {"duration": "PT1H"}, "onFailure": "a"}]}
                """.formatted(unique("nosuch")));
        assertThat(problems).containsKeys("steps[0].webhook.url", "steps[1].webhook.url", "steps[2].webhook.url",
                "steps[3].webhook.secret.ref", "steps[3].webhook.timeoutSeconds", "steps[3].webhook.colour",
                "steps[3].onFailure", "steps[4].onFailure");
        assertThat(problems.get("steps[0].webhook.url")).contains("only http and https");
        assertThat(problems.get("steps[1].webhook.url")).contains("10.1.2.3 is not a public address");
        assertThat(problems.get("steps[2].webhook.url")).contains("not a public address");
        assertThat(problems.get("steps[3].webhook.secret.ref")).contains("is not configured");
        assertThat(problems.get("steps[3].onFailure")).contains("names no step");
        assertThat(problems.get("steps[4].onFailure")).contains("only steps that can fail");
    }

    @Test
    void theScoreStepAddsPointsOncePerVisit() {
        String score = score();
        String next = template("email");
        long scenario = activeScenario("""
                {"name": "Engage", "trigger": {"type": "api"}, "entry": {"rule": "again_after", "days": 1},
                 "steps": [{"id": "points", "score": {"name": "%s", "points": 10}, "next": "mail"},
                           {"id": "mail", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(score, next));
        String who = unique("engaged");
        put("/api/v1/contacts/" + who, "{}").expect(201);
        triggerFor(scenario, who);
        long journeyId = awaitJourney(who, "completed", "mail").get("id").longValue();
        assertThat(get("/api/v1/contacts/" + who).expect(200).json().path("attributes").path("score_" + score)
                .decimalValue()).isEqualByComparingTo(new BigDecimal("10"));
        assertThat(history(journeyId)).contains("score added: " + score + " +10 = 10.00");
        assertThat(count("select count(*) from score_points where score = ? and dedupe_key = ?", score,
                "journey:" + journeyId + ":points:1")).isEqualTo(1);

        // A second journey a day later is a new visit: points again.
        clock.advance(Duration.ofDays(2));
        triggerFor(scenario, who);
        await("two journeys", () -> journeys(who), items -> items.size() == 2
                && items.findValuesAsString("status").stream().allMatch("completed"::equals));
        assertThat(get("/api/v1/contacts/" + who).expect(200).json().path("attributes").path("score_" + score)
                .decimalValue()).isEqualByComparingTo(new BigDecimal("20"));

        Map<String, String> problems = problemsOf("""
                {"name": "Bad score", "trigger": {"type": "api"},
                 "steps": [{"id": "p", "score": {"name": "%s", "points": 0}}]}""".formatted(unique("nosuch")));
        assertThat(problems.get("steps[0].score.name")).contains("unknown score");
        assertThat(problems.get("steps[0].score.points")).contains("non-zero");
    }

    @Test
    void aConditionOnSegmentMembershipTakesTheThenBranchForAMember() {
        String segment = unique("vip");
        String tag = unique("tag");
        String vip = unique("vip_contact");
        String other = unique("other");
        put("/api/v1/contacts/" + vip, "{\"firstName\": \"" + tag + "\"}");
        put("/api/v1/contacts/" + other, "{\"firstName\": \"someone\"}");
        post("/api/v1/segments", """
                {"name": "%s", "rule": {"attribute": "first_name", "op": "eq", "value": "%s"}}"""
                .formatted(segment, tag)).expect(201);
        String premium = template("email");
        String standard = template("email");
        long scenario = activeScenario("""
                {"name": "VIP or not", "trigger": {"type": "api"},
                 "steps": [{"id": "vip?", "condition": {"rule": {"segment": "%s"}, "then": "premium",
                                                        "else": "standard"}},
                           {"id": "premium", "send": {"channels": [{"channel": "email", "template": "%s"}]}},
                           {"id": "standard", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(segment, premium, standard));
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            triggerFor(scenario, vip);
            triggerFor(scenario, other);
            assertThat(consumeMessages(messages, contactId(vip), 1).get(0).get("stepId").stringValue())
                    .isEqualTo("premium");
            assertThat(consumeMessages(messages, contactId(other), 1).get(0).get("stepId").stringValue())
                    .isEqualTo("standard");
        }
        assertThat(problemsOf("""
                {"name": "No such segment", "trigger": {"type": "api"},
                 "steps": [{"id": "c", "condition": {"rule": {"segment": "%s"}, "then": "x", "else": "x"}},
                           {"id": "x", "exit": {}}]}""".formatted(unique("nosuch"))))
                .containsKey("steps[0].condition.rule.segment");
    }

    @Test
    void aConditionWhoseSegmentWasDeletedAfterActivationTakesTheElseBranchAndSaysWhy() {
        String segment = unique("gone");
        long segmentId = post("/api/v1/segments", """
                {"name": "%s", "rule": {"attribute": "first_name", "op": "eq", "value": "%s"}}"""
                .formatted(segment, unique("x"))).expect(201).json().get("id").longValue();
        String fallback = template("email");
        long scenario = activeScenario("""
                {"name": "Deleted segment", "trigger": {"type": "api"},
                 "steps": [{"id": "member?", "condition": {"rule": {"segment": "%s"}, "then": "done",
                                                           "else": "fallback"}},
                           {"id": "fallback", "send": {"channels": [{"channel": "email", "template": "%s"}]}},
                           {"id": "done", "exit": {}}]}""".formatted(segment, fallback));
        delete("/api/v1/segments/" + segmentId).expect(204);
        String who = unique("orphan");
        put("/api/v1/contacts/" + who, "{}").expect(201);
        triggerFor(scenario, who);

        long journeyId = awaitJourney(who, "completed", "fallback").get("id").longValue();
        assertThat(history(journeyId)).anySatisfy(h -> assertThat(h).startsWith("else: the rule cannot be"
                + " evaluated any more: rule.segment: there is no segment"));
    }
}
