package io.activation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.activation.datamodel.AttributeType;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ImportMappingTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final TableSchema ORDERS = new TableSchema("orders", TableKind.INTERACTION, "order_no",
            Optional.of("ordered_at"), null, List.of(
                    column("order_no", AttributeType.TEXT, true), column("ordered_at", AttributeType.TIMESTAMP, false),
                    column("cancelled", AttributeType.BOOLEAN, false), column("channel", AttributeType.TEXT, true)),
            1);
    private static final TableSchema PRODUCTS = new TableSchema("products", TableKind.REFERENCE, "stock_code",
            Optional.empty(), null, List.of(column("stock_code", AttributeType.TEXT, true)), 1);
    private static final TableSchema CONTACTS = new TableSchema("contacts", TableKind.CONTACTS, "external_id",
            Optional.empty(), null, List.of(column("external_id", AttributeType.TEXT, false),
                    column("country", AttributeType.COUNTRY, false)), 1);

    private static TableSchema.Column column(String name, AttributeType type, boolean required) {
        return new TableSchema.Column(name, type, required, false, List.of(), null);
    }

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    private static List<String> fields(String mapping, TableSchema table) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> ImportMapping.parse(json(mapping), table));
        assertThat(e).as("mapping %s is refused", mapping).isNotNull();
        return e.errors().stream().map(FieldError::field).toList();
    }

    @Test
    void readsTheShorthandAndEverySourceKind() {
        ImportMapping mapping = ImportMapping.parse(json("""
                {"attributes": {
                   "order_no": "InvoiceNo",
                   "ordered_at": {"column": "InvoiceDate", "transform": "datetime:yyyy-MM-dd HH:mm:ss",
                                  "timeZone": "Europe/Paris"},
                   "cancelled": {"column": "InvoiceNo", "transform": ["trim", "startsWith:C"], "trim": false},
                   "channel": {"value": "web"}},
                 "contact": {"template": "cust-{CustomerID|integer}"},
                 "options": {"timeZone": "Europe/London", "skipRowsWithoutContact": true, "events": false,
                             "delimiter": ";", "encoding": "windows-1252", "defaultCountry": "gb"}}
                """), ORDERS);
        assertThat(mapping.attributes()).extracting(ImportMapping.Attribute::name)
                .containsExactly("order_no", "ordered_at", "cancelled", "channel");
        assertThat(mapping.attributes().get(0).source()).isEqualTo(new ValueSource.Column("InvoiceNo", true,
                List.of()));
        ValueSource.Column ordered = (ValueSource.Column) mapping.attributes().get(1).source();
        assertThat(((CellTransform.DateTimePattern) ordered.transforms().get(0)).zone())
                .isEqualTo(ZoneId.of("Europe/Paris"));
        ValueSource.Column cancelled = (ValueSource.Column) mapping.attributes().get(2).source();
        assertThat(cancelled.trim()).isFalse();
        assertThat(cancelled.transforms()).hasSize(2);
        assertThat(mapping.attributes().get(3).source()).isEqualTo(new ValueSource.Constant("web"));
        assertThat(mapping.contact().columns()).containsExactly("CustomerID");
        ImportOptions options = mapping.options();
        assertThat(options.timeZone()).isEqualTo(ZoneId.of("Europe/London"));
        assertThat(options.skipRowsWithoutContact()).isTrue();
        assertThat(options.events()).isFalse();
        assertThat(options.delimiter()).isEqualTo(';');
        assertThat(options.encoding().name()).isEqualTo("windows-1252");
        assertThat(options.defaultCountry()).isEqualTo("GB");
    }

    @Test
    void defaultsAreUtcEventsOnAndCommas() {
        ImportMapping mapping = ImportMapping.parse(json("{\"attributes\": {\"stock_code\": \"StockCode\"}}"),
                PRODUCTS);
        assertThat(mapping.options()).isEqualTo(ImportOptions.DEFAULTS);
        assertThat(mapping.options().toJson().get("timeZone").stringValue()).isEqualTo("UTC");
    }

    @Test
    void namesEveryWrongField() {
        assertThat(fields("""
                {"attributes": {"order_no": "InvoiceNo", "shoe_size": "Size",
                   "ordered_at": {"column": "InvoiceDate", "transform": "datetime"},
                   "cancelled": {"column": "InvoiceNo", "transform": ["startsWith:C", 3]}},
                 "options": {"timeZone": "Mars/Olympus", "color": "red", "delimiter": "ab"}}
                """, ORDERS)).containsExactlyInAnyOrder("mapping.options.color", "mapping.options.timeZone",
                "mapping.options.delimiter", "mapping.attributes.shoe_size", "mapping.attributes.ordered_at.transform",
                "mapping.attributes.cancelled.transform[1]", "mapping.attributes.channel", "mapping.contact");
    }

    @Test
    void theBusinessKeyAndTheContactRulesOfEachKindOfTable() {
        assertThat(fields("{\"attributes\": {\"channel\": \"C\"}, \"contact\": \"CustomerID\"}", ORDERS))
                .containsExactly("mapping.attributes.order_no");
        assertThat(fields("{\"attributes\": {\"stock_code\": \"S\"}, \"contact\": \"CustomerID\"}", PRODUCTS))
                .containsExactly("mapping.contact");
        assertThat(fields("{\"attributes\": {\"external_id\": \"Id\"}, \"contact\": \"Id\"}", CONTACTS))
                .containsExactly("mapping.contact");
        assertThat(fields("{\"attributes\": {\"country\": \"Country\"}}", CONTACTS))
                .containsExactly("mapping.attributes.external_id");
        assertThat(fields("{\"attributes\": {\"external_id\": {\"value\": \"x\", \"trim\": true}}}", CONTACTS))
                .containsExactly("mapping.attributes.external_id");
        assertThat(fields("{\"attributes\": {\"order_no\": \"A\", \"channel\": \"B\"},"
                + " \"contact\": {\"value\": \"c-1\"}}", ORDERS)).containsExactly("mapping.contact.value");
    }

    @Test
    void refusesWhatIsNotAMapping() {
        assertThat(fields("[]", ORDERS)).containsExactly("mapping");
        assertThat(fields("{}", ORDERS)).contains("mapping.attributes");
        assertThat(fields("{\"attributes\": {}}", ORDERS)).contains("mapping.attributes");
        assertThat(fields("{\"attributes\": {\"stock_code\": 3}}", PRODUCTS))
                .containsExactly("mapping.attributes.stock_code");
        assertThat(fields("{\"attributes\": {\"stock_code\": {\"column\": \"A\", \"template\": \"{B}\"}}}", PRODUCTS))
                .containsExactly("mapping.attributes.stock_code");
        assertThat(fields("{\"attributes\": {\"stock_code\": {\"template\": \"{A\"}}}", PRODUCTS))
                .containsExactly("mapping.attributes.stock_code.template");
        assertThat(fields("{\"attributes\": {\"stock_code\": \"A\"}, \"extra\": 1}", PRODUCTS))
                .containsExactly("mapping.extra");
    }

    @Test
    void checksTheColumnsAgainstTheFilesHeader() {
        ImportMapping mapping = ImportMapping.parse(json("""
                {"attributes": {"order_no": {"template": "{InvoiceNo}-{$line}"}, "channel": "Channel",
                                "cancelled": {"column": "InvoiceNo", "transform": "startsWith:C"}},
                 "contact": {"column": "Customer ID", "transform": "integer"}}
                """), ORDERS);
        assertThat(mapping.checkColumns(List.of("InvoiceNo", "Channel", "Customer ID"))).isEmpty();
        List<FieldError> errors = mapping.checkColumns(List.of("Invoice", "Channel", "CustomerID"));
        assertThat(errors).extracting(FieldError::field).containsExactly("mapping.attributes.order_no.template",
                "mapping.attributes.cancelled.column", "mapping.contact.column");
        assertThat(errors.get(2).message()).isEqualTo("the file has no column 'Customer ID'; its columns are"
                + " Invoice, Channel, CustomerID");
    }

    @Test
    void templatesHaveLiteralsCellsAndLineNumbers() {
        ValueSource.Template t = ValueSource.Template.parse("{{{InvoiceNo}}}-{$line}/{$record}-{Id|integer|upper}",
                ZoneId.of("UTC"));
        assertThat(t.parts()).hasSize(8);
        assertThat(t.parts().get(0)).isEqualTo(new ValueSource.Literal("{"));
        assertThat(t.parts().get(2)).isEqualTo(new ValueSource.Literal("}-"));
        assertThat(t.parts().get(3)).isInstanceOf(ValueSource.LineNumber.class);
        assertThat(t.parts().get(5)).isInstanceOf(ValueSource.RecordNumber.class);
        assertThat(t.columns()).containsExactly("InvoiceNo", "Id");
        assertThat(((ValueSource.Cell) t.parts().get(7)).column().transforms()).hasSize(2);
        for (String bad : List.of("no placeholder", "{}", "{$nope}", "{$line|upper}", "a}b", "{A|bogus}")) {
            assertThat(catchThrowableOfType(IllegalArgumentException.class,
                    () -> ValueSource.Template.parse(bad, ZoneId.of("UTC")))).as(bad).isNotNull();
        }
    }
}
