package io.activation.web.demo;

import io.activation.contact.ContactRef;
import io.activation.datamodel.AttributeSpec;
import io.activation.datamodel.AttributeType;
import io.activation.datamodel.DataModel;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSpec;
import io.activation.ingest.Ingestion;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Loads the demo data set into an empty database (no user tables yet): a real gift shop's products, orders and
 * order lines for 40 customers, through the same ingest path the API uses, so the outbox publishes them too.
 */
@Component
@ConditionalOnRole(Role.API)
@ConditionalOnProperty(name = "activation.demo.enabled", havingValue = "true")
class DemoData implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(DemoData.class);
    private static final String ORIGIN = "demo";
    private static final DateTimeFormatter INVOICE_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final ZoneId SHOP_ZONE = ZoneId.of("Europe/London");
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final DataModel dataModel;
    private final Ingestion ingestion;

    DemoData(DataModel dataModel, Ingestion ingestion) {
        this.dataModel = dataModel;
        this.ingestion = ingestion;
    }

    @Override
    public void run(ApplicationArguments args) throws IOException {
        if (dataModel.list().size() > 1) {
            return;
        }
        log.info("Empty database: loading the demo data set (an excerpt of the UCI Online Retail data)");
        defineTables();
        Map<String, ObjectNode> products = new LinkedHashMap<>();
        Map<String, ObjectNode> orders = new LinkedHashMap<>();
        Map<String, String> orderCustomer = new LinkedHashMap<>();
        Map<String, ObjectNode> customers = new LinkedHashMap<>();
        List<Ingestion.RowInput> lines = new ArrayList<>();
        try (Reader reader = new InputStreamReader(new ClassPathResource("demo/online-retail-sample.csv")
                .getInputStream(), StandardCharsets.UTF_8)) {
            Iterable<CSVRecord> records = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                    .parse(reader);
            for (CSVRecord r : records) {
                String invoice = r.get("InvoiceNo");
                String customer = r.get("CustomerID").replaceAll("\\.0$", "");
                String stockCode = r.get("StockCode");
                Instant at = LocalDateTime.parse(r.get("InvoiceDate"), INVOICE_DATE).atZone(SHOP_ZONE).toInstant();
                ObjectNode product = F.objectNode();
                product.put("stock_code", stockCode);
                product.put("description", r.get("Description"));
                product.put("unit_price", new BigDecimal(r.get("UnitPrice")));
                products.put(stockCode, product);
                ObjectNode order = F.objectNode();
                order.put("order_no", invoice);
                order.put("ordered_at", at.toString());
                order.put("cancelled", invoice.startsWith("C"));
                order.put("country", r.get("Country"));
                orders.putIfAbsent(invoice, order);
                orderCustomer.put(invoice, customer);
                ObjectNode contact = F.objectNode();
                contact.put("external_id", customer);
                contact.put("email", "customer-" + customer + "@example.com");
                String country = isoCountry(r.get("Country"));
                if (country != null) {
                    contact.put("country", country);
                }
                contact.put("locale", "en-GB");
                contact.put("time_zone", "Europe/London");
                customers.putIfAbsent(customer, contact);
                ObjectNode line = F.objectNode();
                line.put("line_id", invoice + "-" + r.getRecordNumber());
                line.put("order_no", invoice);
                line.put("stock_code", stockCode);
                line.put("quantity", Long.parseLong(r.get("Quantity")));
                line.put("unit_price", new BigDecimal(r.get("UnitPrice")));
                lines.add(new Ingestion.RowInput(ContactRef.external(customer), line));
            }
        }
        ingestion.upsertContacts(new ArrayList<>(customers.values()), ORIGIN);
        upsert("products", products.values().stream().map(p -> new Ingestion.RowInput(null, p)).toList());
        upsert("orders", orders.entrySet().stream().map(e -> new Ingestion.RowInput(
                ContactRef.external(orderCustomer.get(e.getKey())), e.getValue())).toList());
        upsert("order_lines", lines);
        log.info("Demo data loaded: {} contacts, {} products, {} orders, {} order lines", customers.size(),
                products.size(), orders.size(), lines.size());
    }

    private void upsert(String table, List<Ingestion.RowInput> rows) {
        for (int from = 0; from < rows.size(); from += 500) {
            ingestion.upsertRows(table, rows.subList(from, Math.min(rows.size(), from + 500)), ORIGIN);
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

    private static String isoCountry(String name) {
        if (name.equals("EIRE")) {
            return "IE";
        }
        for (String code : Locale.getISOCountries()) {
            if (new Locale("", code).getDisplayCountry(Locale.ENGLISH).equalsIgnoreCase(name)) {
                return code;
            }
        }
        return null;
    }
}
