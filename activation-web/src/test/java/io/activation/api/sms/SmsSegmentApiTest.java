package io.activation.api.sms;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SmsSegmentApiTest extends ApiTest {

    @Test
    void countsGsmText() {
        JsonNode answer = post("/api/v1/sms/segments", "{\"text\": \"" + "a".repeat(150) + "{}\"}").expect(200)
                .json();
        assertThat(answer.get("encoding").stringValue()).isEqualTo("GSM-7");
        assertThat(answer.get("characters").intValue()).isEqualTo(152);
        assertThat(answer.get("units").intValue()).isEqualTo(154);
        assertThat(answer.get("segments").intValue()).isEqualTo(1);
        assertThat(answer.get("nonGsmCharacters")).isEmpty();
    }

    @Test
    void countsUcs2TextAndNamesTheCulprits() {
        JsonNode answer = post("/api/v1/sms/segments", "{\"text\": \"" + "a".repeat(80) + " “hi” 😀\"}")
                .expect(200).json();
        assertThat(answer.get("encoding").stringValue()).isEqualTo("UCS-2");
        assertThat(answer.get("characters").intValue()).isEqualTo(87);
        assertThat(answer.get("segments").intValue()).isEqualTo(2);
        assertThat(answer.get("perSegment").intValue()).isEqualTo(67);
        assertThat(answer.get("nonGsmCharacters").valueStream().map(JsonNode::stringValue))
                .containsExactly("“", "”", "😀");
    }

    @Test
    void badBodiesNameTheField() {
        assertThat(post("/api/v1/sms/segments", "{}").expect(422).json().get("errors").findValuesAsString("field"))
                .containsExactly("text");
        assertThat(post("/api/v1/sms/segments", "{\"text\": 3, \"lang\": \"nl\"}").expect(422).json().get("errors")
                .findValuesAsString("field")).containsExactlyInAnyOrder("text", "lang");
        assertThat(post("/api/v1/sms/segments", "{\"text\": \"" + "a".repeat(16_001) + "\"}").expect(422).json()
                .get("errors").findValuesAsString("field")).containsExactly("text");
    }
}
