package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

class JourneyTest {

    private static Journey journey() {
        return new Journey(5, 2, 1, 9, Journey.Status.RUNNING, "a", 0, null, null,
                JsonNodeFactory.instance.objectNode(), Instant.EPOCH, null);
    }

    @Test
    void everyVisitOfAStepHasItsOwnEffectKey() {
        Journey j = journey();
        assertThat(j.enter("send")).isEqualTo("journey:5:send:1");
        assertThat(j.enter("wait")).isEqualTo("journey:5:wait:2");
        assertThat(j.enter("send")).isEqualTo("journey:5:send:3");
    }

    @Test
    void waitingHoldsOneTimerThatEndingHandsBackForCancelling() {
        Journey j = journey();
        j.enter("wait");
        j.waitOn(42, null);
        assertThat(j.waitingOn(42)).isTrue();
        assertThat(j.waitingOn(41)).isFalse();
        assertThat(j.end(Journey.Status.EXITED)).isEqualTo(42L);
        assertThat(j.waitingOn(42)).isFalse();
    }

    @Test
    void anEndedJourneyTakesNoFurtherStep() {
        Journey j = journey();
        j.end(Journey.Status.COMPLETED);
        assertThatThrownBy(() -> j.enter("b")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> j.end(Journey.Status.EXITED)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> journey().end(Journey.Status.WAITING)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void splitBucketsAreStableAndSpread() {
        assertThat(SplitBuckets.bucket(123, 7)).isEqualTo(SplitBuckets.bucket(123, 7));
        long inFirstHalf = java.util.stream.LongStream.range(0, 2000).filter(c -> SplitBuckets.bucket(c, 7) < 50)
                .count();
        assertThat(inFirstHalf).isBetween(900L, 1100L);
    }
}
