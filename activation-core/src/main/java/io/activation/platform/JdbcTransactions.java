package io.activation.platform;

import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Transactions for work that is plain JDBC from begin to commit (hot paths such as single-event ingest, the sender's
 * marks, the journey engine's batches): a {@link JdbcTransactionManager} on the application's {@link DataSource}, so
 * begin and commit open no Hibernate session. {@code JdbcTemplate} joins such a transaction as it joins the JPA
 * manager's. Work inside one must not use JPA repositories (they would not take part in it).
 *
 * <p>Components that need "a transaction, whichever manager began it" check {@link #requireActive(String)} instead of
 * declaring {@code @Transactional(propagation = MANDATORY)}, which sees only the default (JPA) manager's
 * transactions.
 */
@Component
public class JdbcTransactions {

    private final TransactionTemplate template;

    public JdbcTransactions(DataSource dataSource) {
        this.template = new TransactionTemplate(new JdbcTransactionManager(dataSource));
    }

    /**
     * Runs {@code work} in a JDBC transaction and returns its result; inside a transaction already under way (of
     * either manager) it joins that one instead, so a caller's rollback still covers it.
     */
    public <T> T execute(Supplier<T> work) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            return work.get();
        }
        return template.execute(status -> work.get());
    }

    /** As {@link #execute(Supplier)}, without a result. */
    public void run(Runnable work) {
        execute(() -> {
            work.run();
            return null;
        });
    }

    /**
     * The template itself, for callers that manage retries or nesting around it themselves (it always begins or
     * joins per its REQUIRED propagation, as {@link #execute} does).
     */
    public TransactionTemplate template() {
        return template;
    }

    /** Refuses to go on outside a transaction: {@code what} must be written together with the change it belongs to. */
    public static void requireActive(String what) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalTransactionStateException(what + " must be called inside a transaction");
        }
    }
}
