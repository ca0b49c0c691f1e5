package io.activation.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.tracking.TrackingReference.Kind;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Signed tracking tokens: what they name, and that no altered or foreign token is accepted. */
class TrackingLinksTest {

    private static final byte[] KEY = "a-test-key-of-sufficient-length!".getBytes(StandardCharsets.UTF_8);
    private final TrackingLinks links = new TrackingLinks("https://t.example.com/", () -> KEY, null);

    private static String token(String url, String prefix) {
        assertThat(url).startsWith(prefix);
        return url.substring(prefix.length());
    }

    @Test
    void openPixelNamesTheDelivery() {
        String url = links.openPixel(42);
        String token = token(url, "https://t.example.com/t/o/");
        assertThat(token).matches("[A-Za-z0-9_-]+");
        assertThat(links.verify(token)).contains(new TrackingReference(Kind.OPEN, 42, Optional.empty()));
    }

    @Test
    void clickNamesTheDeliveryAndTheSignedTarget() {
        String target = "https://shop.example.com/cart?items=1&utm_source=e-mail#top";
        String token = token(links.click(7, target), "https://t.example.com/t/c/");
        assertThat(token).matches("[A-Za-z0-9_-]+");
        assertThat(links.verify(token)).contains(new TrackingReference(Kind.CLICK, 7, Optional.of(target)));
    }

    @Test
    void unsubscribePageAndOneClickTargetShareOneToken() {
        String page = links.unsubscribePage(9);
        assertThat(links.unsubscribeOneClick(9)).isEqualTo(page);
        assertThat(links.verify(token(page, "https://t.example.com/u/")))
                .contains(new TrackingReference(Kind.UNSUBSCRIBE, 9, Optional.empty()));
    }

    @Test
    void tokensOfDifferentDeliveriesDiffer() {
        assertThat(links.openPixel(1)).isNotEqualTo(links.openPixel(2));
        assertThat(links.click(1, "https://a.example")).isNotEqualTo(links.click(2, "https://a.example"));
    }

    @Test
    void everyAlteredByteIsRefused() {
        String token = token(links.click(5, "https://shop.example.com/p/1"), "https://t.example.com/t/c/");
        byte[] raw = Base64.getUrlDecoder().decode(token);
        for (int i = 0; i < raw.length; i++) {
            byte[] altered = raw.clone();
            altered[i] ^= 0x01;
            assertThat(links.verify(Base64.getUrlEncoder().withoutPadding().encodeToString(altered)))
                    .as("byte %d altered", i).isEmpty();
        }
    }

    @Test
    void aTargetCannotBeSwappedEvenKeepingTheSignature() {
        String token = token(links.click(5, "https://shop.example.com/"), "https://t.example.com/t/c/");
        byte[] raw = Base64.getUrlDecoder().decode(token);
        byte[] mac = java.util.Arrays.copyOfRange(raw, raw.length - 16, raw.length);
        byte[] evil = "https://evil.example.net/".getBytes(StandardCharsets.UTF_8);
        byte[] forged = new byte[10 + evil.length + 16];
        System.arraycopy(raw, 0, forged, 0, 10);
        System.arraycopy(evil, 0, forged, 10, evil.length);
        System.arraycopy(mac, 0, forged, 10 + evil.length, 16);
        assertThat(links.verify(Base64.getUrlEncoder().withoutPadding().encodeToString(forged))).isEmpty();
    }

    @Test
    void aTokenIsItsPayloadFollowedByTheFirst16BytesOfItsHmacSha256() throws Exception {
        byte[] raw = Base64.getUrlDecoder().decode(token(links.click(7, "https://shop.example/a"),
                "https://t.example.com/t/c/"));
        byte[] payload = java.util.Arrays.copyOf(raw, raw.length - 16);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(KEY, "HmacSHA256"));
        assertThat(java.util.Arrays.copyOfRange(raw, raw.length - 16, raw.length))
                .isEqualTo(java.util.Arrays.copyOf(mac.doFinal(payload), 16));
        // The next token on this thread reuses its Mac: it must start from a clean state.
        assertThat(links.click(7, "https://shop.example/a")).isEqualTo(links.click(7, "https://shop.example/a"));
    }

    @Test
    void tokensSignedOnManyThreadsAtOnceAreThoseOfOneThread() throws Exception {
        java.util.List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            expected.add(links.click(i, "https://shop.example/p/" + i));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.List<java.util.concurrent.Future<java.util.List<String>>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                runs.add(pool.submit(() -> {
                    java.util.List<String> made = new java.util.ArrayList<>();
                    for (int i = 0; i < 2_000; i++) {
                        made.add(links.click(i, "https://shop.example/p/" + i));
                    }
                    return made;
                }));
            }
            for (java.util.concurrent.Future<java.util.List<String>> run : runs) {
                assertThat(run.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(links.verify(token(expected.get(1_999), "https://t.example.com/t/c/")))
                .map(TrackingReference::url).contains(Optional.of("https://shop.example/p/1999"));
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefused() {
        TrackingLinks other = new TrackingLinks("https://t.example.com",
                () -> "another-key-of-sufficient-length".getBytes(StandardCharsets.UTF_8), null);
        assertThat(links.verify(token(other.openPixel(42), "https://t.example.com/t/o/"))).isEmpty();
    }

    @Test
    void malformedTokensAreRefused() {
        assertThat(links.verify(null)).isEmpty();
        assertThat(links.verify("")).isEmpty();
        assertThat(links.verify("not base64 at all!")).isEmpty();
        assertThat(links.verify("AAAA")).isEmpty();
        assertThat(links.verify("A".repeat(TrackingLinks.MAX_TOKEN_LENGTH + 1))).isEmpty();
        String token = token(links.openPixel(3), "https://t.example.com/t/o/");
        assertThat(links.verify(token + "=")).isEmpty();
        assertThat(links.verify(token.substring(1))).isEmpty();
    }

    @Test
    void onlyAbsoluteHttpUrlsAreTracked() {
        assertThat(links.click(1, "mailto:help@example.com")).isEqualTo("mailto:help@example.com");
        assertThat(links.click(1, "#top")).isEqualTo("#top");
        assertThat(links.click(1, "javascript:alert(1)")).isEqualTo("javascript:alert(1)");
        assertThat(links.click(1, "/relative")).isEqualTo("/relative");
        assertThat(TrackingLinks.trackable("HTTPS://Shop.Example.com/x")).isTrue();
        assertThat(TrackingLinks.trackable("ftp://example.com/x")).isFalse();
    }
}
