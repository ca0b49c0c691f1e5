package io.activation.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The arithmetic of an estimated preview: the share of a random sample scaled up, with its 95 % interval. */
class PreviewEstimateTest {

    private static final CompiledRule RULE = new CompiledRule("true", List.of(), Set.of("orders"));

    @Test
    void aSampleOfTenThousandEstimatesAMillionWithinHalfAPercentagePoint() {
        Targeting.Preview p = Targeting.estimate(1_000_000, 10_000, 600, List.of(), RULE);
        assertThat(p.exact()).isFalse();
        assertThat(p.count()).isEqualTo(60_000);
        assertThat(p.sampled()).isEqualTo(10_000);
        // Wilson interval of 6 % at n = 10,000: about 5.55 % .. 6.49 %.
        assertThat(p.low()).isBetween(55_000L, 55_700L);
        assertThat(p.high()).isBetween(64_500L, 65_200L);
        assertThat(p.low()).isLessThan(p.count());
        assertThat(p.high()).isGreaterThan(p.count());
    }

    @Test
    void aSampleOfEveryoneIsExact() {
        Targeting.Preview p = Targeting.estimate(5_000, 5_000, 123, List.of(), RULE);
        assertThat(p.exact()).isTrue();
        assertThat(p.count()).isEqualTo(123);
        assertThat(p.low()).isEqualTo(123);
        assertThat(p.high()).isEqualTo(123);
    }

    @Test
    void noMatchInTheSampleStillLeavesRoomForSomeAndTheBoundsKnowTheSample() {
        Targeting.Preview p = Targeting.estimate(1_000_000, 10_000, 0, List.of(), RULE);
        assertThat(p.count()).isZero();
        assertThat(p.low()).isZero();
        // Zero of 10,000 sampled: up to about 0.04 % of a million may still match.
        assertThat(p.high()).isBetween(300L, 500L);
        Targeting.Preview all = Targeting.estimate(1_000_000, 10_000, 10_000, List.of(), RULE);
        assertThat(all.high()).isEqualTo(1_000_000);
        assertThat(all.low()).isBetween(999_000L, 999_800L);
    }

    @Test
    void anEmptySampleOfAnEmptyInstallationIsAnExactZero() {
        Targeting.Preview p = Targeting.estimate(0, 0, 0, List.of(), RULE);
        assertThat(p.exact()).isTrue();
        assertThat(p.count()).isZero();
    }
}
