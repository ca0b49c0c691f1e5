package io.activation.api.datamodel;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class DecimalPrecisionApiTest extends ApiTest {

    @Test
    void decimalsKeepEveryDigitFromRequestToDatabaseAndBack() {
        String table = defineTable("""
                {"name": "%s", "kind": "REFERENCE", "businessKey": "sku",
                 "attributes": [{"name": "sku", "type": "TEXT"}, {"name": "price", "type": "DECIMAL"}]}
                """.formatted(unique("prices")));
        post("/api/v1/tables/" + table + "/rows", """
                {"values": {"sku": "p-1", "price": 12345678901234567.89}}""").expect(201);
        BigDecimal price = get("/api/v1/tables/" + table + "/rows/p-1").expect(200).json()
                .at("/values/price").decimalValue();
        assertThat(price).isEqualTo(new BigDecimal("12345678901234567.89"));
    }
}
