package io.activation.datamodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.SimpleTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/** The catalogue's cache: one reload per aged entry, and no schema from before a local change stored after it. */
class TableCatalogTest {

    private final AtomicLong ticker = new AtomicLong();
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicReference<String> description = new AtomicReference<>("first");
    private volatile CountDownLatch entered = new CountDownLatch(0);
    private volatile CountDownLatch release = new CountDownLatch(0);
    private final TableCatalog catalog = new TableCatalog(definitions(), new TransactionTemplate(noTransactions()),
            ticker::get);

    @Test
    void anAgedEntryIsReloadedByOneCallerWhileTheOthersKeepTheAgedSchema() throws Exception {
        assertThat(catalog.schema("orders").description()).isEqualTo("first");
        assertThat(loads).hasValue(1);

        ticker.addAndGet(Duration.ofSeconds(6).toNanos());
        description.set("second");
        blockNextLoad();
        CompletableFuture<TableSchema> reloading = CompletableFuture.supplyAsync(() -> catalog.schema("orders"));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 20; i++) {
            assertThat(catalog.schema("orders").description()).isEqualTo("first");
        }
        assertThat(loads).hasValue(2);

        release.countDown();
        assertThat(reloading.get(10, TimeUnit.SECONDS).description()).isEqualTo("second");
        assertThat(catalog.schema("orders").description()).isEqualTo("second");
        assertThat(loads).hasValue(2);
    }

    @Test
    void aLoadThatStartedBeforeALocalChangeDoesNotStoreWhatItRead() throws Exception {
        catalog.schema("orders");
        ticker.addAndGet(Duration.ofSeconds(6).toNanos());
        blockNextLoad();
        CompletableFuture<TableSchema> reloading = CompletableFuture.supplyAsync(() -> catalog.schema("orders"));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        // The change commits while the load is between its query and its store.
        description.set("changed");
        catalog.evict("orders");
        release.countDown();
        assertThat(reloading.get(10, TimeUnit.SECONDS).description()).isEqualTo("first");

        assertThat(catalog.schema("orders").description()).isEqualTo("changed");
        assertThat(loads).hasValue(3);
    }

    @Test
    void aFailedReloadLetsTheNextCallerTryAgain() {
        catalog.schema("orders");
        ticker.addAndGet(Duration.ofSeconds(6).toNanos());
        description.set(null); // the next load fails
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> catalog.schema("orders"))
                .isInstanceOf(IllegalStateException.class);
        description.set("again");
        assertThat(catalog.schema("orders").description()).isEqualTo("again");
    }

    private void blockNextLoad() {
        entered = new CountDownLatch(1);
        release = new CountDownLatch(1);
    }

    private TableDefinitions definitions() {
        return (TableDefinitions) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {TableDefinitions.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("findById")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    // What the query reads is fixed when it runs; the store comes after the latch.
                    String read = description.get();
                    loads.incrementAndGet();
                    entered.countDown();
                    if (!release.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("not released");
                    }
                    if (read == null) {
                        throw new IllegalStateException("the database is gone");
                    }
                    return Optional.of(new TableDefinition(new Identifier((String) args[0]), TableKind.INTERACTION,
                            read, Instant.EPOCH));
                });
    }

    private static PlatformTransactionManager noTransactions() {
        return new PlatformTransactionManager() {
            @Override
            public TransactionStatus getTransaction(TransactionDefinition definition) {
                return new SimpleTransactionStatus();
            }

            @Override
            public void commit(TransactionStatus status) {}

            @Override
            public void rollback(TransactionStatus status) {}
        };
    }
}
