package io.activation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** What the HTTP API cannot show: imports whose node stopped reporting are marked failed. */
class CsvImporterTest extends ApiTest {

    @Autowired
    CsvImporter importer;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void anImportWhoseNodeStoppedReportingIsMarkedFailedAndALiveOneIsLeftAlone() {
        UUID orphan = insertRunning("now() - interval '1 hour'");
        UUID alive = insertRunning("now()");

        importer.keepAlive();

        CsvImport failed = importer.find(orphan).orElseThrow();
        assertThat(failed.status()).isEqualTo(ImportStatus.FAILED);
        assertThat(failed.message()).contains("stopped reporting");
        assertThat(failed.finishedAt()).isNotNull();
        assertThat(importer.find(alive).orElseThrow().status()).isEqualTo(ImportStatus.RUNNING);
        jdbc.update("update imports set status = 'FAILED' where id = ?", alive);
    }

    private UUID insertRunning(String heartbeat) {
        UUID id = UUID.randomUUID();
        jdbc.update("insert into imports (id, target_table, status, size_bytes, records, mapping, options, created_at,"
                + " started_at, heartbeat_at) values (?, 'contacts', 'RUNNING', 10, 1, '{}', '{}', now(), now(), "
                + heartbeat + ")", id);
        return id;
    }
}
