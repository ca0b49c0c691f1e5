package io.activation.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The sandbox: Liquid in, text out; nothing a marketer writes executes code, reads files or reaches Java. */
class LiquidSandboxTest {

    private final LiquidSandbox sandbox = new LiquidSandbox(Duration.ofSeconds(3), 20_000, 50_000, 10_000);

    private static final String SECRET_FILE = "/etc/passwd";

    private final Map<String, Object> context = Map.of(
            "contact", LiquidSandbox.plain(Map.of("first_name", "Ann", "firstName", "Ann", "points", 42,
                    "birth_date", LocalDate.of(1990, 5, 17), "seen", Instant.parse("2026-11-01T10:00:00Z"))),
            "lines", LiquidSandbox.plain(List.of(Map.of("name", "Kettle", "price", new BigDecimal("19.95")),
                    Map.of("name", "Mug", "price", new BigDecimal("4.50")))));

    /**
     * A liqp template holds the context of the render in progress: one parsed template rendered for many contacts at
     * once put one contact's name into another's e-mail (found by the e-mail pipeline benchmark, 39 of 9,999).
     */
    private static final List<Map<String, Object>> LINES = java.util.stream.IntStream.range(0, 40)
            .mapToObj(i -> Map.<String, Object>of("name", "p" + i)).toList();

    private static String expected(String name) {
        StringBuilder b = new StringBuilder();
        LINES.forEach(l -> b.append(name).append(':').append(l.get("name")).append(';'));
        return b.append(name).toString();
    }

    @Test
    void concurrentRendersOfOneTemplateEachSeeTheirOwnContext() throws Exception {
        String source = "{% for l in lines %}{{ contact.first_name }}:{{ l.name }};{% endfor %}{{ contact.first_name }}";
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<String>> wrong = new java.util.ArrayList<>();
            for (int i = 0; i < 4_000; i++) {
                String name = "C" + i;
                wrong.add(pool.submit(() -> {
                    Map<String, Object> ctx = Map.of("contact", LiquidSandbox.plain(Map.of("first_name", name)),
                            "lines", LiquidSandbox.plain(LINES));
                    String out = sandbox.render("parts.html", source, ctx);
                    return out.equals(expected(name)) ? null : name + " got " + out.substring(0, 40);
                }));
            }
            List<String> mixedUp = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<String> f : wrong) {
                String w = f.get();
                if (w != null) {
                    mixedUp.add(w);
                }
            }
            assertThat(mixedUp).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rendersVariablesLoopsFiltersAndConditions() {
        String out = sandbox.render("parts.html", """
                Hi {{ contact.first_name | upcase }}{% if contact.points > 40 %}, gold{% endif %}:\
                {% for l in lines %} {{ l.name }}={{ l.price | times: 2 }}{% endfor %}\
                {% assign n = lines | size %} ({{ n }}) {{ contact.birth_date | date: "%d.%m." }}""", context);
        assertThat(out).isEqualTo("Hi ANN, gold: Kettle=39.90 Mug=9.00 (2) 17.05.");
    }

    @Test
    void lookupReadsReferenceRowsWithinABudget() {
        LiquidSandbox withLookup = new LiquidSandbox(Duration.ofSeconds(3), 20_000, 50_000, 10_000,
                (table, key) -> "products".equals(table) && key.startsWith("P")
                        ? java.util.Optional.of(Map.of("sku", key, "name", "Product " + key))
                        : java.util.Optional.empty());
        Map<String, Object> cart = Map.of("items", LiquidSandbox.plain(List.of(Map.of("sku", "P1"),
                Map.of("sku", "X9"), Map.of("sku", 7))));
        assertThat(withLookup.render("parts.text", "{% for i in items %}{% assign p = i.sku | lookup: 'products' %}"
                + "[{{ p.name | default: 'none' }}]{% endfor %}", cart)).isEqualTo("[Product P1][none][none]");
        assertThatThrownBy(() -> withLookup.render("parts.text", "{% for i in (1..101) %}{{ i | prepend: 'P' "
                + "| lookup: 'products' | size }}{% endfor %}", cart))
                .isInstanceOfSatisfying(RenderException.class, e -> assertThat(e.getMessage())
                        .contains("more than 100 lookups"));
        // Without a lookup source (a unit like this one) nothing is found.
        assertThat(sandbox.render("parts.text", "{{ 'P1' | lookup: 'products' }}", cart)).isEmpty();
    }

    @Test
    void theContextHoldsOnlyPlainValues() {
        Object converted = LiquidSandbox.plain(Map.of("when", Instant.EPOCH, "thread", Thread.currentThread(),
                "n", 3, "d", 1.5, "nested", List.of(new Object())));
        assertThat(converted).isInstanceOf(Map.class);
        Map<?, ?> map = (Map<?, ?>) converted;
        assertThat(map.get("when")).isEqualTo("1970-01-01T00:00:00Z");
        assertThat(map.get("thread")).isInstanceOf(String.class);
        assertThat(map.get("n")).isEqualTo(3L);
        assertThat(map.get("d")).isEqualTo(new BigDecimal("1.5"));
        assertThat(((List<?>) map.get("nested")).get(0)).isInstanceOf(String.class);
    }

    /** Payloads of other template and expression languages are text to Liquid: printed, never evaluated. */
    static Stream<String> foreignPayloads() {
        return Stream.of(
                "${T(java.lang.Runtime).getRuntime().exec('id')}",                     // SpEL
                "#{T(java.lang.System).getProperty('user.home')}",                     // SpEL template
                "%{(#rt=@java.lang.Runtime@getRuntime()).(#rt.exec('id'))}",           // OGNL
                "<%= Runtime.getRuntime().exec(\"id\") %>",                            // JSP scriptlet
                "${pageContext.request.getSession()}",                                 // JSP EL
                "<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}", // Freemarker
                "#set($x = $class.inspect(\"java.lang.Runtime\"))$x.getRuntime()",     // Velocity
                "[[${T(java.lang.Runtime).getRuntime().exec('id')}]]",                 // Thymeleaf
                "__${new java.util.Scanner(T(java.lang.Runtime).getRuntime().exec('id').getInputStream()).next()}__::.x");
    }

    @ParameterizedTest
    @MethodSource("foreignPayloads")
    void foreignTemplateLanguagesArePlainText(String payload) {
        assertThat(sandbox.check("parts.html", payload)).isEmpty();
        assertThat(sandbox.render("parts.html", payload, context)).isEqualTo(payload);
    }

    /** Attempts to reach Java objects, methods or reflection from inside Liquid render nothing. */
    static Stream<String> reflectionAttempts() {
        return Stream.of(
                "{{ contact.class }}", "{{ contact.first_name.class }}", "{{ contact.first_name.class.name }}",
                "{{ contact.getClass }}", "{{ contact.first_name.getBytes }}", "{{ contact.first_name.bytes }}",
                "{{ lines.class.classLoader }}", "{{ contact['class'] }}", "{{ contact.first_name['class'] }}",
                "{{ self }}{{ this }}{{ request }}{{ session }}{{ application }}{{ system }}{{ env }}",
                "{{ contact.first_name.hashCode }}{{ contact.first_name.toString }}{{ lines.iterator }}",
                "{{ contact.runtime.exec }}{{ lines.first.class.forName }}");
    }

    @ParameterizedTest
    @MethodSource("reflectionAttempts")
    void noJavaIsReachable(String attempt) {
        String out = sandbox.render("parts.html", attempt, context);
        assertThat(out).doesNotContain("java.", "class ", "Class", "@", "Runtime", "Thread", "Loader").isBlank();
    }

    static Stream<String> fileReads() {
        return Stream.of(
                "{% include '" + SECRET_FILE + "' %}", "{% include " + SECRET_FILE + " %}",
                "{% include '../../../../../../etc/passwd' %}", "{% include_relative " + SECRET_FILE + " %}",
                "{% render '" + SECRET_FILE + "' %}", "{%- include 'header' -%}");
    }

    @ParameterizedTest
    @MethodSource("fileReads")
    void includesAreRefusedOnSaveAndOnRender(String attempt) {
        assertThat(sandbox.check("parts.html", attempt)).isNotEmpty()
                .allSatisfy(e -> assertThat(e.field()).isEqualTo("parts.html"));
        assertThatThrownBy(() -> sandbox.render("parts.html", attempt, context))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("parts.html");
                    assertThat(e.getMessage()).doesNotContain("root:");
                });
    }

    @Test
    void filtersOutsideTheVettedListAreRefused() {
        for (String filter : List.of("where_exp", "push", "absolute_url", "relative_url", "nosuch")) {
            assertThat(sandbox.check("subject", "{{ lines | " + filter + ": 'x' }}")).as(filter)
                    .singleElement().satisfies(e -> {
                        assertThat(e.field()).isEqualTo("subject");
                        assertThat(e.message()).contains(filter);
                    });
        }
        assertThat(sandbox.check("subject", "{{ 'a|b' | upcase }}")).isEmpty();
    }

    @Test
    void syntaxErrorsNameTheField() {
        assertThat(sandbox.check("parts.text", "{% if %}oops")).singleElement()
                .satisfies(e -> {
                    assertThat(e.field()).isEqualTo("parts.text");
                    assertThat(e.message()).startsWith("is not valid Liquid");
                });
        assertThat(sandbox.check("parts.text", "{% for x in lines %}no end")).isNotEmpty();
        assertThat(sandbox.check("parts.text", "{{ unclosed")).isNotEmpty();
    }

    @Test
    void hugeLoopsStopAtTheIterationLimit() {
        assertThatThrownBy(() -> sandbox.render("parts.html", "{% for i in (1..100000000) %}x{% endfor %}", context))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("parts.html");
                    assertThat(e.getMessage()).contains("loop iterations");
                });
        assertThatThrownBy(() -> sandbox.render("parts.html",
                "{% for i in (1..1000) %}{% for j in (1..1000) %}{{ j }}{% endfor %}{% endfor %}", context))
                .isInstanceOf(RenderException.class);
    }

    @Test
    void exponentialStringsStopAtTheSizeLimitNotTheHeap() {
        assertThatThrownBy(() -> sandbox.render("parts.text", "{% assign x = 'ab' %}{% for i in (1..40) %}"
                + "{% assign x = x | append: x %}{% endfor %}{{ x | size }}", context))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("parts.text");
                    assertThat(e.getMessage()).contains("20000 characters");
                });
    }

    @Test
    void outputIsBounded() {
        assertThatThrownBy(() -> sandbox.render("parts.html",
                "{% for i in (1..5000) %}0123456789{% endfor %}", context))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("parts.html");
                    assertThat(e.getMessage()).contains("characters");
                });
    }

    @Test
    void deepNestingIsAnErrorNotACrash() {
        String deep = "{% if true %}".repeat(1500) + "x" + "{% endif %}".repeat(1500);
        assertThat(sandbox.check("parts.html", deep)).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("deeper than 40"));
        assertThatThrownBy(() -> sandbox.render("parts.html", deep, context))
                .isInstanceOfSatisfying(RenderException.class, e -> assertThat(e.field()).isEqualTo("parts.html"));
        String fine = "{% for l in lines %}{% if true %}".repeat(20) + "x" + "{% endif %}{% endfor %}".repeat(20);
        assertThat(sandbox.check("parts.html", fine)).isEmpty();
        assertThat(sandbox.render("parts.html", "{{ contact" + ".x".repeat(1_000) + " }}", context)).isEmpty();
    }

    @Test
    void slowRendersStopAtTheTimeLimit() {
        LiquidSandbox strict = new LiquidSandbox(Duration.ofMillis(50), 5_000_000, 50_000, 5_000_000);
        long start = System.nanoTime();
        assertThatThrownBy(() -> strict.render("parts.html", "{% for i in (1..4000000) %}{% assign y = i | plus: 1"
                + " | times: 3 | modulo: 7 %}{% endfor %}done", context))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("parts.html");
                    assertThat(e.getMessage()).contains("took longer than 50 ms");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void renderAllAnswersWhatRenderAnswersFieldByField() {
        List<LiquidSandbox.Field> fields = List.of(
                new LiquidSandbox.Field("parts.subject", "{{ contact.first_name }}, {{ lines | size }} items"),
                new LiquidSandbox.Field("parts.html", "{% for l in lines %}<li>{{ l.name | upcase }} {{ l.price }}"
                        + "</li>{% endfor %}"),
                new LiquidSandbox.Field("parts.text", ""),
                new LiquidSandbox.Field("data.points", "{{ contact.points | plus: 1 }}"));
        List<String> all = sandbox.renderAll(fields, context);
        assertThat(all).hasSize(4);
        for (int i = 0; i < fields.size(); i++) {
            assertThat(all.get(i)).isEqualTo(sandbox.render(fields.get(i).name(), fields.get(i).source(), context));
        }
        assertThat(all.get(0)).isEqualTo("Ann, 2 items");
        assertThat(all.get(2)).isEmpty();
        assertThat(all.get(3)).isEqualTo("43");
    }

    @Test
    void renderAllNamesTheFieldThatFailsAndLimitsEachField() {
        String fine = "{{ contact.first_name }}";
        assertThatThrownBy(() -> sandbox.renderAll(List.of(new LiquidSandbox.Field("parts.subject", fine),
                new LiquidSandbox.Field("parts.html", "{{ 'x' | nope }}")), context))
                .isInstanceOfSatisfying(RenderException.class, e -> assertThat(e.field()).isEqualTo("parts.html"));
        assertThatThrownBy(() -> sandbox.renderAll(List.of(new LiquidSandbox.Field("parts.subject", fine),
                new LiquidSandbox.Field("data.big", "{% for i in (1..5000) %}0123456789{% endfor %}")), context))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("data.big");
                    assertThat(e.getMessage()).contains("characters");
                });
        assertThatThrownBy(() -> sandbox.renderAll(List.of(new LiquidSandbox.Field("parts.subject", fine),
                new LiquidSandbox.Field("parts.text", "{% for i in (1..100000000) %}x{% endfor %}")), context))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("parts.text");
                    assertThat(e.getMessage()).contains("loop iterations");
                });
        // The time limit counts from the start of each field: the slow one fails by its name.
        LiquidSandbox strict = new LiquidSandbox(Duration.ofMillis(50), 5_000_000, 50_000, 5_000_000);
        String slow = "{% for i in (1..4000000) %}{% assign y = i | plus: 1 | times: 3 | modulo: 7 %}{% endfor %}";
        long start = System.nanoTime();
        assertThatThrownBy(() -> strict.renderAll(List.of(new LiquidSandbox.Field("parts.subject", fine),
                new LiquidSandbox.Field("parts.html", slow + "done")), context))
                .isInstanceOfSatisfying(RenderException.class, e -> {
                    assertThat(e.field()).isEqualTo("parts.html");
                    assertThat(e.getMessage()).contains("took longer than 50 ms");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        // After all that, the cached parses render correctly for another context.
        assertThat(sandbox.renderAll(List.of(new LiquidSandbox.Field("parts.subject", fine)),
                Map.of("contact", LiquidSandbox.plain(Map.of("first_name", "Bo"))))).containsExactly("Bo");
    }

    @Test
    void concurrentRenderAllsEachSeeTheirOwnContext() throws Exception {
        String source = "{% for l in lines %}{{ contact.first_name }}:{{ l.name }};{% endfor %}{{ contact.first_name }}";
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<String>> wrong = new java.util.ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                String name = "C" + i;
                wrong.add(pool.submit(() -> {
                    Map<String, Object> ctx = Map.of("contact", LiquidSandbox.plain(Map.of("first_name", name)),
                            "lines", LiquidSandbox.plain(LINES));
                    List<String> out = sandbox.renderAll(List.of(new LiquidSandbox.Field("parts.subject",
                            "{{ contact.first_name }}"), new LiquidSandbox.Field("parts.html", source)), ctx);
                    return out.get(0).equals(name) && out.get(1).equals(expected(name)) ? null : name + " got " + out;
                }));
            }
            List<String> mixedUp = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<String> f : wrong) {
                String w = f.get();
                if (w != null) {
                    mixedUp.add(w);
                }
            }
            assertThat(mixedUp).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }
}
