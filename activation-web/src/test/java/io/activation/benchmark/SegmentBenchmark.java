package io.activation.benchmark;

import io.activation.access.AccessControl;
import io.activation.access.Scope;
import io.activation.datamodel.AttributeSpec;
import io.activation.datamodel.AttributeType;
import io.activation.datamodel.DataModel;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSpec;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The segment benchmark of {@code docs/benchmarks.md} (issue 5): starts the whole application (embedded PostgreSQL
 * and Kafka, ephemeral, demo data off), defines {@code contacts} attributes and an {@code orders} interaction table
 * through {@link DataModel}, generates the data set-based in SQL ({@code bench.contacts} contacts,
 * {@code bench.rows} orders; skewed: not every contact orders, Pareto amounts, three years of dates), and measures,
 * each beside the hand-written SQL for the same question in the same run:
 * <ol>
 * <li>the full recompute of a behavioural segment and of an attribute-only segment
 * ({@code POST /api/v1/segments/{id}/refresh});</li>
 * <li>the preview of both rules (count and sample, {@code POST /api/v1/segments/preview});</li>
 * <li>the RFM recompute for all contacts ({@code POST /api/v1/rfm-models/{name}/recompute});</li>
 * <li>the time from an order posted through the REST API to the {@code io.activation.segment.entered} event it
 * causes, consumed from Kafka.</li>
 * </ol>
 * Run by {@code ./mvnw -B -ntp -pl activation-web -am -Pbenchmark-segments verify}; never part of the test suite.
 */
public final class SegmentBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String TOPIC = "activation.events";

    /** What to run; each field is the system property {@code bench.<name>}. */
    record Settings(int contacts, long rows, int repetitions, int rfmRepetitions, int events, Path output) {

        static Settings fromSystemProperties() {
            return new Settings(Integer.getInteger("bench.contacts", 1_000_000),
                    Long.getLong("bench.rows", 10_000_000L),
                    Integer.getInteger("bench.repetitions", 5),
                    Integer.getInteger("bench.rfmRepetitions", 3),
                    Integer.getInteger("bench.events", 50),
                    Path.of(System.getProperty("bench.output", "target/benchmark/segment-results.md")));
        }
    }

    /** Durations of one question, product and hand-written SQL, in milliseconds. */
    record Measured(String question, String goal, double goalMs, List<Double> product, List<Double> hand,
            List<Double> handMaterialised, long productAnswer, long handAnswer, MachineStats.Usage usage) {

        double productMedian() {
            return median(product);
        }

        double handMedian() {
            return median(hand);
        }

        double handMaterialisedMedian() {
            return handMaterialised.isEmpty() ? Double.NaN : median(handMaterialised);
        }
    }

    private final Settings settings;
    private final ConfigurableApplicationContext context;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> notes = new ArrayList<>();
    private final StringBuilder plans = new StringBuilder();
    private int port;
    private String apiKey;
    private Connection sql;
    private Admin kafka;
    private String bootstrap;
    private long postmasterPid;

    private SegmentBenchmark(Settings settings, ConfigurableApplicationContext context) {
        this.settings = settings;
        this.context = context;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.fromSystemProperties();
        String loadBefore = MachineStats.loadAverage();
        // The scheduled full refresh of every segment would run in the middle of the measurements: it is the
        // thing measured here, started on demand instead.
        // The row limit of interaction tables (10,000,000 by default) is checked against PostgreSQL's estimate of
        // the table's size, which after ANALYZE can read a little over the exact count: the live orders of the
        // event phase would be refused at exactly the issue's size.
        ConfigurableApplicationContext context = IngestBenchmark.startApplication(
                "--activation.targeting.refresh-interval=24h",
                "--activation.datamodel.interaction-max-rows=" + Math.max(10_000_000L, 2 * settings.rows()));
        int exit = 1;
        try {
            exit = new SegmentBenchmark(settings, context).run(loadBefore);
        } catch (Throwable e) {
            e.printStackTrace();
        } finally {
            context.close();
        }
        System.exit(exit);
    }

    private int run(String loadBefore) throws Exception {
        Environment env = context.getEnvironment();
        port = Integer.parseInt(env.getRequiredProperty("local.server.port"));
        sql = DriverManager.getConnection(env.getRequiredProperty("spring.datasource.url"),
                env.getProperty("spring.datasource.username"), env.getProperty("spring.datasource.password"));
        bootstrap = env.getRequiredProperty("spring.kafka.bootstrap-servers");
        kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        postmasterPid = MachineStats.postmasterPid(sql, warning -> log("%s", warning));
        apiKey = context.getBean(AccessControl.class).issue("segment-benchmark",
                Set.of(Scope.INGEST, Scope.READ, Scope.ADMIN)).secret();

        String orders = "orders_" + runId;
        String tier = "loyalty_tier";
        DataModel model = context.getBean(DataModel.class);
        model.addAttribute("contacts", new AttributeSpec(tier, AttributeType.ENUM, false,
                List.of("bronze", "silver", "gold"), null));
        model.defineTable(new TableSpec(orders, TableKind.INTERACTION, "benchmark orders", "order_no", "ordered_at",
                List.of(new AttributeSpec("order_no", AttributeType.TEXT, true, null, null),
                        new AttributeSpec("ordered_at", AttributeType.TIMESTAMP, true, null, null),
                        new AttributeSpec("total", AttributeType.DECIMAL, true, null, null),
                        new AttributeSpec("status", AttributeType.ENUM, true,
                                List.of("completed", "cancelled", "returned"), null))));
        String table = "data.\"" + orders + "\"";
        Map<String, Double> generation = generate(table, tier);

        // The rules, and the hand-written SQL for the same questions.
        String behaviouralRule = """
                {"and": [
                  {"aggregate": {"table": "%1$s", "fn": "sum", "column": "total",
                    "where": {"attribute": "status", "op": "eq", "value": "completed"}, "window": {"lastDays": 365}},
                   "op": "gte", "value": 500},
                  {"aggregate": {"table": "%1$s", "fn": "count",
                    "where": {"attribute": "status", "op": "eq", "value": "completed"}, "window": {"lastDays": 365}},
                   "op": "gte", "value": 3}]}""".formatted(orders);
        String behaviouralSql = "select contact_id as id from " + table + " where status = 'completed' and"
                + " ordered_at >= now() - interval '365 days' group by contact_id having sum(total) >= 500 and"
                + " count(*) >= 3";
        String attributeRule = """
                {"and": [{"attribute": "country", "op": "in", "value": ["NL", "BE"]},
                  {"attribute": "%s", "op": "eq", "value": "gold"},
                  {"attribute": "birth_date", "op": "more_than_days_ago", "value": 10957}]}""".formatted(tier);
        String attributeSql = "select id from contacts where country in ('NL', 'BE') and " + tier + " = 'gold'"
                + " and birth_date < current_date - 10957";

        List<Measured> results = new ArrayList<>();
        Map<String, Double> firstMaterialisation = new HashMap<>();
        long behavioural = createSegment("bench-behavioural-" + runId, behaviouralRule, firstMaterialisation);
        long attribute = createSegment("bench-attribute-" + runId, attributeRule, firstMaterialisation);
        results.add(measureRefresh("Full recompute, behavioural segment (sum and count of completed orders in"
                + " 365 days)", "<= 5 s", 5000, behavioural, behaviouralSql));
        results.add(measureRefresh("Full recompute, attribute-only segment (country, enum attribute, age)",
                "<= 1 s", 1000, attribute, attributeSql));
        results.add(measurePreview("Preview (count + 10 contacts), behavioural rule", "<= 2 s", 2000,
                behaviouralRule, behaviouralSql));
        results.add(measurePreview("Preview (count + 10 contacts), attribute-only rule", "<= 2 s", 2000,
                attributeRule, attributeSql));
        results.add(measureRfm(orders, table));
        EventLatency event = measureEventToSegment(orders, firstMaterialisation);

        String report = report(loadBefore, MachineStats.loadAverage(), generation, firstMaterialisation, results,
                event);
        Files.createDirectories(settings.output().toAbsolutePath().getParent());
        Files.writeString(settings.output(), report);
        Path planFile = settings.output().resolveSibling("segment-plans.txt");
        Files.writeString(planFile, plans.toString());
        log("Plans written to %s", planFile.toAbsolutePath());
        System.out.println();
        System.out.println(report);
        log("Report written to %s", settings.output().toAbsolutePath());
        return 0;
    }

    // ---- data ---------------------------------------------------------------------------------------------------

    /** Contacts and orders, set-based; returns the seconds each step took. */
    private Map<String, Double> generate(String table, String tier) throws SQLException {
        Map<String, Double> took = new java.util.LinkedHashMap<>();
        int n = settings.contacts();
        // The event phase posts bench.events orders through the API: the table ends with bench.rows rows.
        long rows = settings.rows() - settings.events();
        long t = System.nanoTime();
        execute("set maintenance_work_mem = '512MB'");
        execute("select setseed(0.42)");
        // Countries: a skewed mix; a tenth without a country, birth dates over 18-80 years, a zone for most.
        execute("""
                insert into contacts (external_id, email, first_name, birth_date, time_zone, country, %s,
                                      created_at, updated_at)
                select 'bench-%s-' || g, 'c' || g || '@example.com', 'C' || g,
                       current_date - (6570 + floor(random() * 22630))::int,
                       (array['Europe/Amsterdam', 'Europe/Brussels', 'Europe/Berlin', 'Europe/Paris', 'Europe/London',
                              'America/New_York', null])[1 + floor(random() * 7)::int],
                       case when r < 0.30 then 'NL' when r < 0.45 then 'DE' when r < 0.55 then 'BE'
                            when r < 0.65 then 'FR' when r < 0.75 then 'GB' when r < 0.80 then 'US'
                            when r < 0.90 then 'ES' else null end,
                       case when random() < 0.7 then 'bronze' when random() < 0.75 then 'silver' else 'gold' end,
                       now() - interval '3 years' * random(), now()
                from (select g, random() as r from generate_series(1, %d) g) s""".formatted(tier, runId, n));
        took.put("contacts", seconds(t));
        long firstId = queryLong("select min(id) from contacts where external_id like 'bench-" + runId + "-%'");
        // Orders: 60 % of the contacts buy at all; who buys how often follows a power law (the index among the
        // buyers is B * u^2.5, mapped onto contacts by a stride prime to N); amounts Pareto(alpha 1.5, from 15),
        // capped at 5,000; dates over three years, denser recently; 85 % completed.
        // The indexes the data model built are dropped during the load and built again with the same
        // definitions: the usual way to bulk-load, and four times faster on two cores.
        t = System.nanoTime();
        List<String> indexes = queryStrings("select indexdef from pg_indexes where schemaname = 'data' and"
                + " tablename = '" + table.substring(6, table.length() - 1) + "' and indexname not like '%_pkey'"
                + " and indexdef not like '%UNIQUE%'");
        List<String> names = queryStrings("select indexname from pg_indexes where schemaname = 'data' and"
                + " tablename = '" + table.substring(6, table.length() - 1) + "' and indexname not like '%_pkey'"
                + " and indexdef not like '%UNIQUE%'");
        for (String name : names) {
            execute("drop index data.\"" + name + "\"");
        }
        long buyers = Math.max(1, Math.round(n * 0.6));
        long chunk = 2_000_000;
        for (long from = 1; from <= rows; from += chunk) {
            long to = Math.min(rows, from + chunk - 1);
            execute("""
                    insert into %s (contact_id, order_no, ordered_at, total, status, created_at, updated_at)
                    select %d + (floor(%d * power(random(), 2.5))::bigint * 7919) %% %d,
                           'o-' || g, ts, least(round((15 / power(1 - random(), 1 / 1.5))::numeric, 2), 5000),
                           case when s < 0.85 then 'completed' when s < 0.95 then 'cancelled' else 'returned' end,
                           ts, ts
                    from (select g, now() - interval '1095 days' * power(random(), 1.3) as ts, random() as s
                          from generate_series(%d, %d) g) o""".formatted(table, firstId, buyers, n, from, to));
            log("Orders: %,d of %,d", to, rows);
        }
        took.put("orders", seconds(t));
        t = System.nanoTime();
        for (String index : indexes) {
            execute(index);
        }
        took.put("indexes", seconds(t));
        t = System.nanoTime();
        execute("vacuum analyze contacts");
        execute("vacuum analyze " + table);
        took.put("vacuum analyze", seconds(t));
        log("Generated %,d contacts and %,d orders: %s", n, rows, took);
        return took;
    }

    // ---- questions ----------------------------------------------------------------------------------------------

    private long createSegment(String name, String rule, Map<String, Double> took) throws Exception {
        long t = System.nanoTime();
        JsonNode created = call("POST", "/api/v1/segments", "{\"name\": \"" + name + "\", \"rule\": " + rule + "}",
                201);
        double ms = (System.nanoTime() - t) / 1e6;
        took.put(name + " (" + created.get("memberCount").longValue() + " members)", ms);
        log("Segment %s created with %,d members in %.0f ms", name, created.get("memberCount").longValue(), ms);
        quiesce();
        return created.get("id").longValue();
    }

    private Measured measureRefresh(String question, String goal, double goalMs, long segment, String hand)
            throws Exception {
        // The hand-written materialisation: the same set kept in a table of its own by one statement that inserts
        // the new members and deletes the leavers, as the product does (without its events and HTTP).
        String members = "bench_hand_members_" + segment;
        execute("create table " + members + " (contact_id bigint primary key)");
        execute("insert into " + members + " select id from (" + hand + ") q");
        execute("vacuum analyze " + members);
        String materialise = "with target as (" + hand + "), entered as (insert into " + members + " select t.id"
                + " from target t where not exists (select 1 from " + members + " m where m.contact_id = t.id)"
                + " returning contact_id), exited as (delete from " + members + " m where not exists (select 1"
                + " from target t where t.id = m.contact_id) returning contact_id)"
                + " select (select count(*) from entered) + (select count(*) from exited)";
        List<Double> product = new ArrayList<>();
        List<Double> handTimes = new ArrayList<>();
        List<Double> materialised = new ArrayList<>();
        List<Double> tuned = new ArrayList<>();
        String refreshWorkMem = workMemSetting("activation.targeting.refresh-work-mem");
        long productAnswer = 0;
        long handAnswer = 0;
        MachineStats.Sample before = MachineStats.sample(postmasterPid);
        for (int i = 0; i < settings.repetitions(); i++) {
            long t = System.nanoTime();
            JsonNode refreshed = call("POST", "/api/v1/segments/" + segment + "/refresh", null, 200);
            product.add((System.nanoTime() - t) / 1e6);
            productAnswer = refreshed.get("memberCount").longValue();
            t = System.nanoTime();
            handAnswer = queryLong("select count(*) from (" + hand + ") q");
            handTimes.add((System.nanoTime() - t) / 1e6);
            t = System.nanoTime();
            queryLong(materialise);
            materialised.add((System.nanoTime() - t) / 1e6);
            if (refreshWorkMem != null) {
                t = System.nanoTime();
                sameWorkMem(refreshWorkMem, () -> queryLong("select count(*) from (" + hand + ") q"));
                tuned.add((System.nanoTime() - t) / 1e6);
            }
        }
        MachineStats.Usage usage = MachineStats.between(before, MachineStats.sample(postmasterPid));
        tunedNote(question, "activation.targeting.refresh-work-mem", refreshWorkMem, product, tuned);
        log("%s: product %s ms, hand-written %s ms, hand-written materialised %s ms", question, product, handTimes,
                materialised);
        plans.append(plans(segment, hand));
        return new Measured(question, goal, goalMs, product, handTimes, materialised, productAnswer, handAnswer,
                usage);
    }

    /** EXPLAIN ANALYZE of the product's statement for the segment (from its /sql answer) and of the hand-written. */
    private String plans(long segment, String hand) throws Exception {
        JsonNode compiled = call("GET", "/api/v1/segments/" + segment + "/sql", null, 200);
        StringBuilder r = new StringBuilder("== segment " + segment + ": product\n" + compiled.get("sql")
                .stringValue() + "\n");
        Environment env = context.getEnvironment();
        // Parameters come back as text: let PostgreSQL infer their types as it does for literals.
        try (Connection untyped = DriverManager.getConnection(env.getRequiredProperty("spring.datasource.url")
                + (env.getRequiredProperty("spring.datasource.url").contains("?") ? "&" : "?")
                + "stringtype=unspecified", env.getProperty("spring.datasource.username"),
                env.getProperty("spring.datasource.password"));
                var ps = untyped.prepareStatement("explain (analyze, buffers) " + compiled.get("sql").stringValue())) {
            int i = 1;
            for (JsonNode parameter : compiled.get("parameters")) {
                ps.setString(i++, parameter.isNull() ? null : parameter.asString());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    r.append(rs.getString(1)).append('\n');
                }
            }
        } catch (SQLException e) {
            r.append("(not explained: ").append(e.getMessage()).append(")\n");
        }
        // The refresh as the product runs it: the rule into a temporary table (parallel-capable), then the diff
        // (a rolled-back transaction: nothing changes).
        r.append("== segment ").append(segment).append(": product, the full refresh's two statements\n");
        context.getBean(io.activation.segment.Targeting.class).explainRefresh(segment)
                .forEach(l -> r.append(l).append('\n'));
        r.append("== segment ").append(segment).append(": hand-written\n").append(hand).append('\n');
        queryStrings("explain (analyze, buffers) " + hand).forEach(l -> r.append(l).append('\n'));
        return r.append('\n').toString();
    }

    private Measured measurePreview(String question, String goal, double goalMs, String rule, String hand)
            throws Exception {
        List<Double> product = new ArrayList<>();
        List<Double> handTimes = new ArrayList<>();
        List<long[]> estimates = new ArrayList<>();
        long productAnswer = 0;
        long handAnswer = 0;
        MachineStats.Sample before = MachineStats.sample(postmasterPid);
        for (int i = 0; i < settings.repetitions(); i++) {
            long t = System.nanoTime();
            try {
                JsonNode preview = call("POST", "/api/v1/segments/preview", "{\"rule\": " + rule
                        + ", \"sample\": 10}", 200);
                productAnswer = preview.get("count").longValue();
                if (!preview.path("exact").asBoolean(true)) {
                    estimates.add(new long[] {preview.get("count").longValue(), preview.get("countLow").longValue(),
                            preview.get("countHigh").longValue(), preview.get("sampled").longValue()});
                }
            } catch (IllegalStateException e) {
                // A preview over activation.targeting.preview-timeout is refused: counted with its time, noted.
                notes.add(question + ", repetition " + (i + 1) + ": refused after " + Math.round((System.nanoTime()
                        - t) / 1e6) + " ms: " + e.getMessage().substring(0, Math.min(300, e.getMessage().length())));
            }
            product.add((System.nanoTime() - t) / 1e6);
            t = System.nanoTime();
            handAnswer = queryLong("select coalesce(max(n), 0) from (select count(*) over () as n, c.id,"
                    + " c.external_id from contacts c where c.id in (select id from (" + hand + ") q) order by c.id"
                    + " limit 10) s");
            handTimes.add((System.nanoTime() - t) / 1e6);
        }
        MachineStats.Usage usage = MachineStats.between(before, MachineStats.sample(postmasterPid));
        log("%s: product %s ms, hand-written %s ms", question, product, handTimes);
        if (!estimates.isEmpty()) {
            long exact = handAnswer;
            long inside = estimates.stream().filter(e -> e[1] <= exact && exact <= e[2]).count();
            StringBuilder each = new StringBuilder();
            estimates.forEach(e -> each.append(String.format(Locale.ROOT, " %,d [%,d..%,d] of %,d sampled;", e[0],
                    e[1], e[2], e[3])));
            notes.add(String.format(Locale.ROOT, "%s: the product estimated (mode auto on %s contacts); exact count"
                    + " %,d inside the 95 %% interval in %d of %d repetitions:%s", question, "a large installation's",
                    exact, inside, estimates.size(), each));
        }
        return new Measured(question, goal, goalMs, product, handTimes, List.of(), productAnswer, handAnswer,
                usage);
    }

    private Measured measureRfm(String orders, String table) throws Exception {
        String name = "bench-" + runId;
        call("POST", "/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "ordered_at", "amountColumn": "total",
                 "exclude": [{"attribute": "status", "op": "eq", "value": "cancelled"}]}""".formatted(name, orders),
                201);
        // The first computation announces every contact's group (one event each); measured apart.
        long t = System.nanoTime();
        JsonNode first = call("POST", "/api/v1/rfm-models/" + name + "/recompute", null, 200);
        double firstMs = (System.nanoTime() - t) / 1e6;
        notes.add(String.format(Locale.ROOT, "The first RFM computation (%,d contacts scored, one"
                + " `io.activation.rfm.group-changed` event each into the outbox) took %,.0f ms; the table shows"
                + " the recomputes after it, which find no group changed.", first.get("contacts").longValue(),
                firstMs));
        quiesce();
        String hand = """
                create temporary table hand_rfm on commit drop as
                select contact_id, recency_days, frequency, monetary,
                       ntile(5) over (order by recency_days desc, contact_id) as r,
                       ntile(5) over (order by frequency, contact_id) as f,
                       ntile(5) over (order by monetary, contact_id) as m
                from (select contact_id, current_date - max((ordered_at at time zone 'UTC')::date) as recency_days,
                             count(*) as frequency, sum(total) as monetary
                      from %s where status <> 'cancelled' group by contact_id) p""".formatted(table);
        List<Double> product = new ArrayList<>();
        List<Double> handTimes = new ArrayList<>();
        List<Double> tuned = new ArrayList<>();
        String rfmWorkMem = workMemSetting("activation.value.rfm-work-mem");
        long productAnswer = 0;
        long handAnswer = 0;
        MachineStats.Sample before = MachineStats.sample(postmasterPid);
        for (int i = 0; i < settings.rfmRepetitions(); i++) {
            t = System.nanoTime();
            JsonNode done = call("POST", "/api/v1/rfm-models/" + name + "/recompute", null, 200);
            product.add((System.nanoTime() - t) / 1e6);
            productAnswer = done.get("contacts").longValue();
            t = System.nanoTime();
            sql.setAutoCommit(false);
            try (Statement s = sql.createStatement()) {
                s.execute(hand);
                handAnswer = queryLong("select count(*) from hand_rfm");
            } finally {
                sql.commit();
                sql.setAutoCommit(true);
            }
            handTimes.add((System.nanoTime() - t) / 1e6);
            if (rfmWorkMem != null) {
                t = System.nanoTime();
                sameWorkMem(rfmWorkMem, () -> {
                    try (Statement s = sql.createStatement()) {
                        s.execute(hand);
                    }
                    return queryLong("select count(*) from hand_rfm");
                });
                tuned.add((System.nanoTime() - t) / 1e6);
            }
        }
        MachineStats.Usage usage = MachineStats.between(before, MachineStats.sample(postmasterPid));
        tunedNote("RFM recompute", "activation.value.rfm-work-mem", rfmWorkMem, product, tuned);
        log("RFM: product %s ms, hand-written %s ms", product, handTimes);
        // The plans after the measurements (a recompute explained in a rolled-back transaction; the hand-written
        // statement in one that drops its table at commit).
        plans.append("\n==== RFM recompute: the product's statement\n");
        context.getBean(io.activation.segment.value.Rfm.class).explain(name)
                .forEach(l -> plans.append(l).append('\n'));
        plans.append("\n==== RFM recompute: hand-written\n");
        sql.setAutoCommit(false);
        try {
            queryStrings("explain (analyze, buffers) " + hand).forEach(l -> plans.append(l).append('\n'));
        } finally {
            sql.commit();
            sql.setAutoCommit(true);
        }
        return new Measured("RFM recompute, all contacts (scores written to a table)", "(none given)", Double.NaN,
                product, handTimes, List.of(), productAnswer, handAnswer, usage);
    }

    /** The product's work_mem setting for a question, or null when it runs with the server's. */
    private String workMemSetting(String property) {
        String value = context.getEnvironment().getProperty(property);
        return value == null || value.isBlank() ? null : value;
    }

    /**
     * The hand-written statement once more with the work_mem the product's transaction sets for itself
     * ({@code SET LOCAL}, this transaction only): the table's ratio compares with the hand-written SQL at the
     * server's defaults, this one with both given the same memory.
     */
    private void sameWorkMem(String workMem, java.util.concurrent.Callable<Long> statement) throws Exception {
        sql.setAutoCommit(false);
        try (Statement s = sql.createStatement()) {
            s.execute("set local work_mem = '" + workMem.replace("'", "") + "'");
            statement.call();
        } finally {
            sql.commit();
            sql.setAutoCommit(true);
        }
    }

    private void tunedNote(String question, String property, String workMem, List<Double> product,
            List<Double> tuned) {
        if (workMem != null && !tuned.isEmpty()) {
            notes.add(String.format(Locale.ROOT, "%s: the product's transaction sets work_mem to %s (`%s`); the"
                    + " table's hand-written SQL ran with the server's 4MB. The same hand-written SQL with work_mem"
                    + " %s: median %,.0f ms (max %,.0f); product / that = %.2f.", question, workMem, property,
                    workMem, median(tuned), java.util.Collections.max(tuned), median(product) / median(tuned)));
        }
    }

    record EventLatency(int events, Latencies latencies, long members, String segmentsEvaluated) {}

    /**
     * A segment of contacts with an order in the last day; an order posted through the REST API for a contact
     * outside it, timed until its {@code segment.entered} is consumed from Kafka.
     */
    private EventLatency measureEventToSegment(String orders, Map<String, Double> firstMaterialisation)
            throws Exception {
        String rule = "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"count\", \"window\":"
                + " {\"lastDays\": 1}}, \"op\": \"gte\", \"value\": 1}";
        long segment = createSegment("bench-recent-" + runId, rule, firstMaterialisation);
        long members = queryLong("select count(*) from segment_memberships where segment_id = " + segment);
        List<String> outside = queryStrings("select external_id from contacts c where external_id like 'bench-"
                + runId + "-%' and not exists (select 1 from segment_memberships m where m.segment_id = " + segment
                + " and m.contact_id = c.id) order by id limit " + (settings.events() + 5));
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        long[] latencies = new long[settings.events()];
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(TOPIC, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            for (int i = 0; i < settings.events(); i++) {
                String externalId = outside.get(i);
                long contactId = queryLong("select id from contacts where external_id = '" + externalId + "'");
                long t = System.nanoTime();
                call("POST", "/api/v1/tables/" + orders + "/rows", "{\"contact\": {\"externalId\": \"" + externalId
                        + "\"}, \"values\": {\"order_no\": \"live-" + runId + "-" + i + "\", \"ordered_at\": \""
                        + Instant.now() + "\", \"total\": 42.50, \"status\": \"completed\"}}", 201);
                long deadline = t + Duration.ofSeconds(30).toNanos();
                boolean seen = false;
                while (!seen) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("No segment.entered for contact " + contactId + " in 30 s");
                    }
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(5))) {
                        JsonNode event = JSON.readTree(record.value());
                        if ("io.activation.segment.entered".equals(event.path("type").asString(""))
                                && event.at("/data/segmentId").asLong() == segment
                                && event.at("/data/contactId").asLong() == contactId) {
                            seen = true;
                        }
                    }
                }
                latencies[i] = System.nanoTime() - t;
            }
        }
        Latencies l = new Latencies(latencies, latencies.length);
        log("Event to segment.entered: p50 %.1f ms, p99 %.1f ms, max %.1f ms", l.percentileMillis(50),
                l.percentileMillis(99), l.maxMillis());
        long dependent = queryLong("select count(*) from segments where '" + orders + "' = any(dependencies)");
        return new EventLatency(latencies.length, l, members, dependent + " segments depend on the orders table"
                + " and are re-evaluated for the contact");
    }

    // ---- plumbing -----------------------------------------------------------------------------------------------

    private JsonNode call(String method, String path, String body, int expected) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + apiKey).timeout(Duration.ofMinutes(10));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method,
                    HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != expected) {
            throw new IllegalStateException(method + " " + path + " answered " + answer.statusCode() + ": "
                    + answer.body());
        }
        return answer.body().isEmpty() ? null : JSON.readTree(answer.body());
    }

    /** Waits until the outbox is empty and the segment listener has read everything on the topic. */
    private void quiesce() throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        long t = System.nanoTime();
        while (queryLong("select count(*) from outbox") > 0 || lag("activation-segments") > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The outbox or the segment listener did not catch up in 10 min");
            }
            Thread.sleep(100);
        }
        log("Quiet after %.1f s", seconds(t));
    }

    private long lag(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = kafka.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        var description = kafka.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        description.partitions().forEach(p -> request.put(new TopicPartition(TOPIC, p.partition()),
                OffsetSpec.latest()));
        long lag = 0;
        for (var e : kafka.listOffsets(request).all().get().entrySet()) {
            OffsetAndMetadata done = committed.get(e.getKey());
            lag += e.getValue().offset() - (done == null ? 0 : done.offset());
        }
        return lag;
    }

    private void execute(String statement) throws SQLException {
        try (Statement s = sql.createStatement()) {
            s.execute(statement);
        }
    }

    private long queryLong(String query) throws SQLException {
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<String> queryStrings(String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    // ---- report -------------------------------------------------------------------------------------------------

    private String report(String loadBefore, String loadAfter, Map<String, Double> generation,
            Map<String, Double> firstMaterialisation, List<Measured> results, EventLatency event)
            throws SQLException {
        StringBuilder r = new StringBuilder();
        r.append("## Segment benchmark, run ").append(runId).append(" at ")
                .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC))).append("\n\n");
        r.append(String.format("- Machine: %d cores (%s), %s memory; load average before %s, after %s%n",
                MachineStats.cores(), MachineStats.cpuModel(), MachineStats.memory(), loadBefore, loadAfter));
        r.append(String.format("- JVM: %s %s; flags %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), ManagementFactory.getRuntimeMXBean().getInputArguments()));
        r.append(String.format("- PostgreSQL %s (embedded): shared_buffers=%s, work_mem=%s, max_parallel_workers_per"
                + "_gather=%s, jit=%s%n", queryStrings("show server_version").get(0),
                queryStrings("show shared_buffers").get(0), queryStrings("show work_mem").get(0),
                queryStrings("show max_parallel_workers_per_gather").get(0), queryStrings("show jit").get(0)));
        r.append(String.format("- Data: %,d contacts, %,d orders (%,d contacts with at least one order); orders"
                + " table %s with indexes; generated in %s s%n%n", settings.contacts(), settings.rows(),
                queryLong("select count(distinct contact_id) from data.\"orders_" + runId + "\""),
                queryStrings("select pg_size_pretty(pg_total_relation_size('data.\"orders_" + runId + "\"'))")
                        .get(0), generation.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.0f",
                        e.getKey(), e.getValue())).toList()));
        r.append("| Question | product median ms | product max ms | hand-written SQL median ms | hand-written max ms"
                + " | product / hand | hand-written, materialised like the product: median ms | product / that"
                + " | goal | met | answer (product / hand) | machine busy | PostgreSQL CPU | other processes |\n");
        r.append("|---|---:|---:|---:|---:|---:|---:|---:|---|:-:|---|---:|---:|---:|\n");
        for (Measured m : results) {
            double ratio = m.productMedian() / m.handMedian();
            double materialisedRatio = m.productMedian() / m.handMaterialisedMedian();
            boolean goalMet = Double.isNaN(m.goalMs()) || m.productMedian() <= m.goalMs();
            r.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %,.0f | %.2f | %s | %s | %s,"
                    + " <= 1.5x hand | %s | %,d / %,d | %s | %s | %s |%n", m.question(), m.productMedian(),
                    max(m.product()), m.handMedian(), max(m.hand()), ratio,
                    m.handMaterialised().isEmpty() ? "" : String.format(Locale.ROOT, "%,.0f",
                            m.handMaterialisedMedian()),
                    m.handMaterialised().isEmpty() ? "" : String.format(Locale.ROOT, "%.2f", materialisedRatio),
                    m.goal(), yes(goalMet && ratio <= 1.5), m.productAnswer(), m.handAnswer(), pct(m.usage().busy()),
                    pct(m.usage().postgres()), pct(m.usage().other())));
        }
        r.append(String.format(Locale.ROOT, "| Order posted (REST) to `segment.entered` consumed from Kafka, %d"
                + " times | p50 %.0f | max %.0f (p99 %.0f) | | | | | | <= 1 s | %s | %s | | | |%n", event.events(),
                event.latencies().percentileMillis(50), event.latencies().maxMillis(),
                event.latencies().percentileMillis(99), yes(event.latencies().percentileMillis(99) <= 1000),
                event.segmentsEvaluated()));
        r.append("\nRepetitions: ").append(settings.repetitions()).append(" (RFM ")
                .append(settings.rfmRepetitions()).append("), product and hand-written SQL alternating.\n\n");
        r.append("First materialisation (segment created, every member's `segment.entered` into the outbox):\n\n");
        firstMaterialisation.forEach((k, v) -> r.append(String.format(Locale.ROOT, "- %s: %,.0f ms%n", k, v)));
        notes.forEach(n -> r.append("\n").append(n).append("\n"));
        return r.toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    private static String yes(boolean met) {
        return met ? "yes" : "**no**";
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[segment-bench %s] %s%n", java.time.LocalTime.now().withNano(0),
                String.format(Locale.ROOT, format, args));
    }
}
