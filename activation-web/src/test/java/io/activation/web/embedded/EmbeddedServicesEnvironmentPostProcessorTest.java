package io.activation.web.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import org.apache.commons.logging.Log;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.boot.logging.DeferredLogs;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;

/**
 * Drives the post-processor against plain environments. Services come from instances made per test (never the
 * JVM-wide one), so that "nothing started" can be checked and everything is stopped afterwards.
 */
class EmbeddedServicesEnvironmentPostProcessorTest {

    private final Log log = mock(Log.class);
    private final List<EmbeddedServices> created = new ArrayList<>();
    private final EmbeddedServicesEnvironmentPostProcessor postProcessor =
            new EmbeddedServicesEnvironmentPostProcessor(log, settings -> {
                EmbeddedServices services = new EmbeddedServices(settings);
                created.add(services);
                return services;
            });

    @AfterEach
    void closeServices() {
        created.forEach(EmbeddedServices::close);
    }

    @Test
    void isRegisteredAsABootEnvironmentPostProcessor() {
        List<EnvironmentPostProcessor> loaded = SpringFactoriesLoader.forDefaultResourceLocation()
                .load(EnvironmentPostProcessor.class,
                        ArgumentResolver.of(DeferredLogFactory.class, new DeferredLogs()));
        assertThat(loaded).hasAtLeastOneElementOfType(EmbeddedServicesEnvironmentPostProcessor.class);
    }

    @Test
    void startsNothingWhenEveryServiceIsConfigured() {
        StandardEnvironment environment = environment(Map.of(
                "spring.datasource.url", "jdbc:postgresql://db.example:5432/activation",
                "spring.kafka.bootstrap-servers", "kafka.example:9092",
                "spring.mail.host", "smtp.example"));

        postProcessor.postProcessEnvironment(environment, new SpringApplication());

        assertThat(created).as("no embedded services asked for").isEmpty();
        assertThat(environment.getProperty("spring.datasource.url"))
                .isEqualTo("jdbc:postgresql://db.example:5432/activation");
        assertThat(environment.getProperty("spring.kafka.bootstrap-servers")).isEqualTo("kafka.example:9092");
        assertThat(environment.getProperty("spring.mail.host")).isEqualTo("smtp.example");
        assertThat(environment.getPropertySources()
                .contains(EmbeddedServicesEnvironmentPostProcessor.PROPERTY_SOURCE_NAME)).isFalse();
    }

    @Test
    void startsNothingWhenDisabled() {
        StandardEnvironment environment = environment(Map.of("activation.embedded.enabled", "false"));

        postProcessor.postProcessEnvironment(environment, new SpringApplication());

        assertThat(created).isEmpty();
        assertThat(environment.getProperty("spring.datasource.url")).isNull();
    }

    @Test
    void aPresetDatasourceStartsNoPostgres() {
        // Kafka preset too, so that only the (fast) mail catcher starts.
        StandardEnvironment environment = environment(Map.of(
                "activation.embedded.ephemeral", "true",
                "spring.datasource.url", "jdbc:postgresql://db.example:5432/activation",
                "spring.kafka.bootstrap-servers", "kafka.example:9092"));

        postProcessor.postProcessEnvironment(environment, new SpringApplication());

        assertThat(created).hasSize(1);
        EmbeddedServices services = created.get(0);
        assertThat(services.postgresIfStarted()).isEmpty();
        assertThat(services.kafkaIfStarted()).isEmpty();
        assertThat(services.mailIfStarted()).isPresent();
        assertThat(environment.getProperty("spring.datasource.url"))
                .isEqualTo("jdbc:postgresql://db.example:5432/activation");
        assertThat(environment.getProperty("spring.datasource.username")).isNull();
        assertThat(environment.getProperty("spring.kafka.bootstrap-servers")).isEqualTo("kafka.example:9092");
        assertThat(environment.getProperty("spring.mail.port", Integer.class))
                .isEqualTo(services.mail().smtpPort());
        assertThat(services.dataDirectory()).as("no data written").isEmptyDirectory();
    }

    @Test
    void ephemeralModeStartsEverythingAndPointsSpringAtIt() throws Exception {
        StandardEnvironment environment = environment(Map.of("activation.embedded.ephemeral", "true"));

        postProcessor.postProcessEnvironment(environment, new SpringApplication());

        assertThat(created).hasSize(1);
        EmbeddedServices services = created.get(0);
        Path dataDirectory = services.dataDirectory();
        assertThat(dataDirectory).as("fresh temporary directory, not ./data")
                .startsWith(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath());

        String jdbcUrl = environment.getProperty("spring.datasource.url");
        assertThat(jdbcUrl).matches("jdbc:postgresql://localhost:\\d+/postgres");
        try (Connection connection = DriverManager.getConnection(jdbcUrl,
                environment.getProperty("spring.datasource.username"),
                environment.getProperty("spring.datasource.password"));
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("select 1")) {
            assertThat(rs.next()).isTrue();
        }

        String bootstrap = environment.getProperty("spring.kafka.bootstrap-servers");
        assertThat(bootstrap).isEqualTo(services.kafka().bootstrapServers());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }

        assertThat(environment.getProperty("spring.mail.host")).isEqualTo("127.0.0.1");
        int smtpPort = environment.getProperty("spring.mail.port", Integer.class);
        int imapPort = environment.getProperty("activation.embedded.mail.imap-port", Integer.class);
        assertThat(smtpPort).as("random, not the 2525 default").isNotEqualTo(2525).isPositive();
        assertThat(imapPort).as("the port actually bound").isEqualTo(services.mail().imapPort()).isNotEqualTo(3143);
        GreenMailUtil.sendTextEmail("anyone@example.org", "activation@example.org", "hello", "body",
                new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        assertThat(services.mail().greenMail().waitForIncomingEmail(10_000, 1)).isTrue();

        assertThat(environment.getProperty("logging.level.org.apache.kafka")).isEqualTo("WARN");
        verify(log).info(argThat((Object message) -> message.toString().startsWith(
                "Embedded PostgreSQL 17 on " + jdbcUrl + ", data in " + dataDirectory.resolve("postgres"))));
        verify(log).info(argThat((Object message) -> message.toString().startsWith(
                "Embedded Kafka (KRaft, single node) on " + bootstrap + ", data in " + dataDirectory.resolve("kafka"))));

        services.close();
        assertThat(dataDirectory).as("ephemeral data deleted on close").doesNotExist();
        assertThat(services.postgresIfStarted().orElseThrow().isRunning()).isFalse();
        assertThat(services.kafkaIfStarted().orElseThrow().isRunning()).isFalse();
    }

    @Test
    void userLoggingLevelsWinOverTheQuietDefaults() {
        StandardEnvironment environment = environment(Map.of(
                "activation.embedded.ephemeral", "true",
                "spring.datasource.url", "jdbc:postgresql://db.example:5432/activation",
                "spring.kafka.bootstrap-servers", "kafka.example:9092",
                "logging.level.com.icegreen.greenmail", "DEBUG"));

        postProcessor.postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty("logging.level.com.icegreen.greenmail")).isEqualTo("DEBUG");
    }

    @Test
    void ephemeralSettingsUseRandomPortsWhateverIsConfigured() {
        EmbeddedSettings settings = EmbeddedSettings.from(environment(Map.of(
                "activation.embedded.ephemeral", "true",
                "activation.embedded.kafka.port", "9092",
                "activation.embedded.mail.smtp-port", "25")));
        assertThat(settings.ephemeral()).isTrue();
        assertThat(settings.kafkaPort()).isZero();
        assertThat(settings.smtpPort()).isZero();
        assertThat(settings.imapPort()).isZero();

        EmbeddedSettings defaults = EmbeddedSettings.from(environment(Map.of()));
        assertThat(defaults).isEqualTo(EmbeddedSettings.defaults());
        assertThat(defaults.dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
        assertThat(defaults.smtpPort()).isEqualTo(2525);
        assertThat(defaults.imapPort()).isEqualTo(3143);

        assertThatThrownBy(() -> EmbeddedSettings.from(environment(Map.of("activation.embedded.postgres.port", "-1"))))
                .hasMessageContaining("activation.embedded.postgres.port");
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }
}
