package io.activation.web.demo;

import io.activation.consent.Channel;
import io.activation.consent.ConsentChange;
import io.activation.consent.ConsentStatus;
import io.activation.consent.Consents;
import io.activation.datamodel.AttributeSpec;
import io.activation.datamodel.AttributeType;
import io.activation.datamodel.DataModel;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSpec;
import io.activation.ingest.CsvImport;
import io.activation.ingest.CsvImporter;
import io.activation.ingest.ImportStatus;
import io.activation.journey.Scenarios;
import io.activation.platform.ConditionalOnRole;
import io.activation.segment.Targeting;
import io.activation.template.Templates;
import io.activation.platform.Role;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Loads the demo data set into an empty database (no user tables yet): a real gift shop's products, orders and
 * order lines for 40 customers, imported by the CSV importer with the mappings in {@code demo/mappings/} (the
 * same ones {@code docs/scripts/load-online-retail.sh} sends for the whole data set), so the demo goes through the
 * one write path and the outbox publishes it too.
 */
@Component
@ConditionalOnRole(Role.API)
@ConditionalOnProperty(name = "activation.demo.enabled", havingValue = "true")
class DemoData implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(DemoData.class);
    private static final String SAMPLE = "demo/online-retail-sample.csv";
    /** Contacts first, then the catalogue, then what contacts did; each table from the same file. */
    private static final List<String> TABLES = List.of("contacts", "products", "orders", "order_lines");

    private final DataModel dataModel;
    private final CsvImporter importer;
    private final Templates templates;
    private final Targeting targeting;
    private final Scenarios scenarios;
    private final Consents consents;
    private final JdbcTemplate jdbc;
    private final JsonMapper json = JsonMapper.builder().build();

    DemoData(DataModel dataModel, CsvImporter importer, Templates templates, Targeting targeting,
            Scenarios scenarios, Consents consents, JdbcTemplate jdbc) {
        this.consents = consents;
        this.jdbc = jdbc;
        this.dataModel = dataModel;
        this.importer = importer;
        this.templates = templates;
        this.targeting = targeting;
        this.scenarios = scenarios;
    }

    @Override
    public void run(ApplicationArguments args) throws IOException {
        if (dataModel.list().size() > 1) {
            return;
        }
        log.info("Empty database: loading the demo data set (an excerpt of the UCI Online Retail data)");
        defineTables();
        for (String table : TABLES) {
            JsonNode mapping;
            try (InputStream in = new ClassPathResource("demo/mappings/" + table + ".json").getInputStream()) {
                mapping = json.readTree(in);
            }
            CsvImport done;
            try (InputStream csv = new ClassPathResource(SAMPLE).getInputStream()) {
                done = importer.importNow(table, mapping, csv, SAMPLE, "demo");
            }
            if (done.status() != ImportStatus.SUCCEEDED || done.counters().rowsRejected() > 0) {
                throw new IllegalStateException("The demo data did not import into " + table + ": " + done.message()
                        + " " + done.errors());
            }
            log.info("Demo data: {} rows of {} from {} lines", done.counters().rowsWritten(), table,
                    done.counters().linesRead());
        }
        defineMarketing();
    }

    /** Templates, two segments and an active abandoned-cart scenario, so the demo reacts to a cart at once. */
    private void defineMarketing() throws IOException {
        for (JsonNode t : resource("demo/marketing/templates.json")) {
            Map<String, String> parts = new LinkedHashMap<>();
            t.get("parts").properties().forEach(e -> parts.put(e.getKey(), e.getValue().stringValue()));
            templates.create(new Templates.TemplateInput(t.get("name").stringValue(), t.get("channel").stringValue(),
                    null, null, parts, null));
        }
        // Every demo customer opted in to marketing e-mail, so the demo's journeys really send (to the mail catcher).
        ObjectNode proof = json.createObjectNode().put("note", "demo data: every demo customer opted in");
        for (Long contact : jdbc.queryForList("select id from contacts where email is not null order by id",
                Long.class)) {
            consents.record(contact, new ConsentChange(Channel.EMAIL, "marketing", ConsentStatus.GRANTED, "demo data",
                    proof), "demo");
        }
        for (JsonNode s : resource("demo/marketing/segments.json")) {
            targeting.create(s.get("name").stringValue(), s.get("description").stringValue(), s.get("rule"));
        }
        long scenario = scenarios.create(resource("demo/marketing/abandoned-cart.json")).id();
        scenarios.activate(scenario);
        log.info("Demo data: 2 templates, 2 segments, marketing e-mail consent of every demo customer and the"
                + " active scenario 'Abandoned cart'");
    }

    private JsonNode resource(String path) throws IOException {
        try (InputStream in = new ClassPathResource(path).getInputStream()) {
            return json.readTree(in);
        }
    }

    private void defineTables() {
        dataModel.defineTable(new TableSpec("products", TableKind.REFERENCE, "The shop's catalogue", "stock_code", null,
                List.of(attr("stock_code", AttributeType.TEXT), attr("description", AttributeType.TEXT),
                        attr("unit_price", AttributeType.DECIMAL), attr("in_stock", AttributeType.BOOLEAN))));
        dataModel.defineTable(new TableSpec("orders", TableKind.INTERACTION, "Invoices; C-numbers are cancellations",
                "order_no", "ordered_at", List.of(attr("order_no", AttributeType.TEXT),
                        attr("ordered_at", AttributeType.TIMESTAMP), attr("cancelled", AttributeType.BOOLEAN),
                        attr("country", AttributeType.TEXT))));
        dataModel.defineTable(new TableSpec("order_lines", TableKind.INTERACTION, "One product of an order",
                "line_id", null, List.of(attr("line_id", AttributeType.TEXT),
                        new AttributeSpec("order_no", AttributeType.TEXT, true, List.of(), "orders"),
                        new AttributeSpec("stock_code", AttributeType.TEXT, true, List.of(), "products"),
                        attr("quantity", AttributeType.INTEGER), attr("unit_price", AttributeType.DECIMAL))));
        dataModel.defineTable(new TableSpec("carts", TableKind.INTERACTION, "Shopping carts", "cart_id", "updated_at_shop",
                List.of(attr("cart_id", AttributeType.TEXT), new AttributeSpec("status", AttributeType.ENUM, true,
                        List.of("open", "abandoned", "converted"), null), attr("value", AttributeType.DECIMAL),
                        attr("updated_at_shop", AttributeType.TIMESTAMP))));
        dataModel.defineTable(new TableSpec("wishlist_items", TableKind.INTERACTION, "Products a contact wishes for",
                "wishlist_item_id", "added_at", List.of(attr("wishlist_item_id", AttributeType.TEXT),
                        new AttributeSpec("stock_code", AttributeType.TEXT, true, List.of(), "products"),
                        attr("added_at", AttributeType.TIMESTAMP))));
        dataModel.defineTable(new TableSpec("coupons", TableKind.LINKED, "Coupons a contact holds", "code", null,
                List.of(attr("code", AttributeType.TEXT), attr("discount_percent", AttributeType.INTEGER),
                        attr("expires_on", AttributeType.DATE))));
    }

    private static AttributeSpec attr(String name, AttributeType type) {
        return new AttributeSpec(name, type, false, List.of(), null);
    }
}
