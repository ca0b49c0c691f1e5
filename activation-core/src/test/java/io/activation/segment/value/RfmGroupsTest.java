package io.activation.segment.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RfmGroupsTest {

    @Test
    void theGridAsDocumented() {
        Map<String, String> rows = new LinkedHashMap<>();
        for (int r = 5; r >= 1; r--) {
            StringBuilder row = new StringBuilder();
            for (int f = 1; f <= 5; f++) {
                row.append(f == 1 ? "" : " | ").append(RfmGroups.group(r, f));
            }
            rows.put("R" + r, row.toString());
        }
        assertThat(rows).containsExactly(
                Map.entry("R5", "New | Potential loyalists | Potential loyalists | Champions | Champions"),
                Map.entry("R4", "New | Potential loyalists | Potential loyalists | Loyal | Loyal"),
                Map.entry("R3", "Hibernating | Hibernating | Potential loyalists | Loyal | Loyal"),
                Map.entry("R2", "Hibernating | Hibernating | At risk | At risk | Can't lose them"),
                Map.entry("R1", "Lost | Lost | At risk | At risk | Can't lose them"));
    }

    @Test
    void everyGroupIsReachableAndTheSqlQuotesApostrophes() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int r = 1; r <= 5; r++) {
            for (int f = 1; f <= 5; f++) {
                seen.add(RfmGroups.group(r, f));
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(RfmGroups.ALL);
        assertThat(RfmGroups.sql("r", "f")).contains("'Can''t lose them'").startsWith("(array[")
                .endsWith("::text[])[(r - 1) * 5 + f]");
        assertThatThrownBy(() -> RfmGroups.group(0, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
