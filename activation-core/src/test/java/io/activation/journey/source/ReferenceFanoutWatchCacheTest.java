package io.activation.journey.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The watched-tables cache in WATCHED mode against a listener reload during the watching transaction: a scenario is
 * activated (its trigger watches the products table inside the activation's transaction), a listener thread reloads
 * the watches before that transaction commits, and a price drop right after the commit must still fan out.
 */
class ReferenceFanoutWatchCacheTest {

    /** reference_fanout_watches with one open transaction: its writes are seen by others only once committed. */
    private static final class Db extends JdbcTemplate {
        final Set<String> committed = new HashSet<>();
        final Set<String> pending = new HashSet<>();

        @Override
        public synchronized int update(String sql, Object... args) {
            if (sql.contains("insert into reference_fanout_watches")) {
                pending.add((String) args[0]);
            } else if (sql.contains("delete from reference_fanout_watches")) {
                pending.remove((String) args[0]);
            }
            return 1;
        }

        synchronized void commit() {
            committed.clear();
            committed.addAll(pending);
        }

        @Override
        @SuppressWarnings("unchecked")
        public synchronized <T> List<T> queryForList(String sql, Class<T> elementType) {
            return (List<T>) new ArrayList<>(committed);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> List<T> query(String sql, RowMapper<T> rowMapper, Object... args) {
            return (List<T>) List.of(new ReferenceFanout.Link("wishlist", "stock_code")); // the links of products
        }
    }

    private final Db db = new Db();
    private final ReferenceFanout fanout;

    ReferenceFanoutWatchCacheTest() {
        TableSchema products = mock(TableSchema.class);
        when(products.kind()).thenReturn(TableKind.REFERENCE);
        TableCatalog catalog = mock(TableCatalog.class);
        when(catalog.schema("products")).thenReturn(products);
        when(catalog.schema("products", "table")).thenReturn(products);
        fanout = new ReferenceFanout(db, catalog, null, null, null, Clock.systemUTC(),
                new ReferenceFanoutProperties(true, ReferenceFanoutProperties.Mode.WATCHED, List.of(), 500,
                        Duration.ofDays(7), "g"));
    }

    /** What the listener thread (not the activating one) decides now. */
    private boolean listenerFansOut() throws Exception {
        return CompletableFuture.supplyAsync(() -> fanout.fansOut("products")).get(10, TimeUnit.SECONDS);
    }

    private void inTransaction(Runnable work) {
        TransactionSynchronizationManager.initSynchronization();
        try {
            work.run();
            try {
                assertThat(listenerFansOut()).as("before the commit the listener does not see the change").isEqualTo(
                        db.committed.contains("products"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            db.commit();
            for (TransactionSynchronization s : TransactionSynchronizationManager.getSynchronizations()) {
                s.afterCommit();
                s.afterCompletion(TransactionSynchronization.STATUS_COMMITTED);
            }
        } finally {
            TransactionSynchronizationManager.clearSynchronization();
        }
    }

    @Test
    void aWatchIsSeenRightAfterItsTransactionCommitsEvenWhenAListenerReloadedDuringIt() throws Exception {
        assertThat(listenerFansOut()).as("nobody watches products yet").isFalse();
        inTransaction(() -> fanout.watch("products", "scenario:1"));
        assertThat(listenerFansOut()).as("a price drop right after the activation fans out").isTrue();

        inTransaction(() -> fanout.unwatch("products", "scenario:1"));
        assertThat(listenerFansOut()).as("nor does an unwatch linger").isFalse();
    }
}
