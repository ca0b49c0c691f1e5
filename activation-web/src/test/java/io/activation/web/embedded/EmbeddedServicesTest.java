package io.activation.web.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class EmbeddedServicesTest {

    @Test
    void theSharedInstanceIsOnePerJvmAndStartsNothingByItself() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<EmbeddedServices>> calls = IntStream.range(0, 8)
                    // Ephemeral only: whoever comes first fixes the settings of this JVM's shared instance,
                    // and later tests in this JVM (Spring contexts) expect throw-away data and random ports.
                    .<Callable<EmbeddedServices>>mapToObj(i -> () -> EmbeddedServices.shared(
                            EmbeddedSettings.ephemeralSettings()))
                    .toList();
            Set<EmbeddedServices> instances = pool.invokeAll(calls).stream().map(EmbeddedServicesTest::get)
                    .collect(Collectors.toSet());
            assertThat(instances).hasSize(1);
            EmbeddedServices shared = instances.iterator().next();
            assertThat(EmbeddedServices.sharedIfCreated()).containsSame(shared);
            assertThat(EmbeddedServices.shared(EmbeddedSettings.defaults())).as("first settings win").isSameAs(shared);
            assertThat(shared.settings().ephemeral()).isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void mailCatcherTakesAnyRecipientOnDynamicPorts() {
        try (EmbeddedMailServer mail = new EmbeddedMailServer(0, 0)) {
            assertThat(mail.isRunning()).isTrue();
            assertThat(mail.smtpPort()).isPositive();
            assertThat(mail.imapPort()).isPositive().isNotEqualTo(mail.smtpPort());
            com.icegreen.greenmail.util.GreenMailUtil.sendTextEmail("someone@example.com", "a@example.org", "s",
                    "b", new com.icegreen.greenmail.util.ServerSetup(mail.smtpPort(), mail.host(), "smtp"));
            assertThat(mail.greenMail().waitForIncomingEmail(10_000, 1)).isTrue();
            assertThat(mail.greenMail().getReceivedMessages()[0].getSubject()).isEqualTo("s");
        } catch (jakarta.mail.MessagingException e) {
            throw new AssertionError(e);
        }
    }

    private static <T> T get(Future<T> future) {
        try {
            return future.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
