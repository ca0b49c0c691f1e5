package io.activation.channels.email;

import io.activation.channels.MutableTestClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/** The webhook over Spring MVC: raw body signature, RFC 9457 problems naming the field. */
class EmailWebhookHttpTest {

    private static final String SECRET = "0123456789abcdef-webhook";
    private final BounceMailboxReaderTest.Recording feedback = new BounceMailboxReaderTest.Recording();
    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new EmailWebhookController(SECRET, () -> feedback,
            new MutableTestClock(Instant.parse("2026-11-22T12:00:00Z")))).build();

    private static String sign(String body) {
        return "sha256=" + EmailWebhookController.sign(SECRET.getBytes(StandardCharsets.UTF_8),
                body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSignedBatchIsAccepted() throws Exception {
        String body = "[ {\"messageKey\": \"cart-1:email\", \"type\": \"bounce\", \"bounceType\": \"hard\"} ]";
        mvc.perform(post(EmailWebhookController.PATH).contentType(MediaType.APPLICATION_JSON)
                        .header(EmailWebhookController.SIGNATURE_HEADER, sign(body)).content(body))
                .andExpect(status().isAccepted()).andExpect(jsonPath("$.accepted").value(1));
        assertThat(feedback.reports).hasSize(1);
    }

    @Test
    void aWrongSignatureIsA401Problem() throws Exception {
        String body = "[{\"messageKey\":\"cart-1:email\",\"type\":\"complaint\"}]";
        mvc.perform(post(EmailWebhookController.PATH).contentType(MediaType.APPLICATION_JSON)
                        .header(EmailWebhookController.SIGNATURE_HEADER, sign(body.replace("1", "2"))).content(body))
                .andExpect(status().isUnauthorized())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("https://activation.dev/problems/invalid-signature"))
                .andExpect(jsonPath("$.field").value(EmailWebhookController.SIGNATURE_HEADER));
        assertThat(feedback.reports).isEmpty();
    }

    @Test
    void aBadEventIsA422ProblemNamingTheFieldAndNothingIsReported() throws Exception {
        String body = "[{\"messageKey\":\"cart-1:email\",\"type\":\"complaint\"},{\"messageKey\":\"x\",\"type\":\"bounce\","
                + "\"bounceType\":\"medium\"}]";
        mvc.perform(post(EmailWebhookController.PATH).contentType(MediaType.APPLICATION_JSON)
                        .header(EmailWebhookController.SIGNATURE_HEADER, sign(body)).content(body))
                .andExpect(status().isUnprocessableContent())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("https://activation.dev/problems/invalid-input"))
                .andExpect(jsonPath("$.field").value("[1].bounceType"))
                .andExpect(jsonPath("$.errors[0].message").value("hard or soft"));
        assertThat(feedback.reports).isEmpty();
    }
}
