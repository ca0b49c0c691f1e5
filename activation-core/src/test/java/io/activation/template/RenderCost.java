package io.activation.template;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Not a test: a JMH-free measurement of the sandbox's CPU per render of an e-mail-like template (subject, HTML body
 * with a loop over order lines, text), run by hand (docs/templates.md, "Render cost"):
 * {@code java -cp <test and runtime class path> io.activation.template.RenderCost [renders] [each]} ({@code each}:
 * a hand-off to the render pool per part, as {@code render}; without it the three parts go in one, {@code renderAll}).
 * Prints the CPU microseconds of all threads per message (three parts), after a warm-up of the same size.
 */
public final class RenderCost {

    private RenderCost() {
    }

    public static void main(String[] args) {
        int renders = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        // "each": one hand-off to the render pool per part (LiquidSandbox.render); else all parts in one (renderAll).
        boolean oneHandOff = args.length < 2 || !"each".equals(args[1]);
        LiquidSandbox sandbox = new LiquidSandbox(Duration.ofSeconds(3), 100_000, 50_000, 10_000);
        String subject = "{{ contact.first_name }}, {{ lines | size }} items are waiting in your cart";
        String html = """
                <html><body><p>Hi {{ contact.first_name | default: "there" }},</p><table>
                {% for l in lines %}<tr><td>{{ l.name | escape }}</td><td>{{ l.quantity }}</td>
                <td>{{ l.price | times: l.quantity | round: 2 }} EUR</td></tr>{% endfor %}</table>
                {% if contact.points > 100 %}<p>You have {{ contact.points }} points.</p>{% endif %}
                <a href="https://shop.example/cart?c={{ contact.external_id | url_encode }}">Back to your cart</a>
                <a href="{{ links.unsubscribe }}">Unsubscribe</a></body></html>""";
        String text = "Hi {{ contact.first_name }}, {% for l in lines %}{{ l.name }} x{{ l.quantity }}; {% endfor %}"
                + "{{ links.unsubscribe }}";
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 2; round++) {
            long cpuStart = allThreads(cpu);
            long wallStart = System.nanoTime();
            long chars = 0;
            for (int i = 0; i < renders; i++) {
                Map<String, Object> context = context(i);
                if (oneHandOff) {
                    for (String out : sandbox.renderAll(List.of(new LiquidSandbox.Field("parts.subject", subject),
                            new LiquidSandbox.Field("parts.html", html), new LiquidSandbox.Field("parts.text", text)),
                            context)) {
                        chars += out.length();
                    }
                } else {
                    chars += sandbox.render("parts.subject", subject, context).length();
                    chars += sandbox.render("parts.html", html, context).length();
                    chars += sandbox.render("parts.text", text, context).length();
                }
            }
            long wall = System.nanoTime() - wallStart;
            long used = allThreads(cpu) - cpuStart;
            System.out.printf("%s: %d messages (3 parts each, %d chars), %.1f us wall and %.1f us CPU (all threads)"
                    + " per message%n",
                    round == 0 ? "warm-up" : "measured", renders, chars, wall / 1e3 / renders, used / 1e3 / renders);
        }
    }

    private static long allThreads(ThreadMXBean cpu) {
        long total = 0;
        for (long id : cpu.getAllThreadIds()) {
            long t = cpu.getThreadCpuTime(id);
            if (t > 0) {
                total += t;
            }
        }
        return total;
    }

    private static Map<String, Object> context(int i) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("contact", LiquidSandbox.plain(Map.of("first_name", "Ada" + i, "last_name", "Lovelace",
                "external_id", "c-" + i, "points", 50 + i % 200, "birth_date", LocalDate.of(1990, 5, 17))));
        context.put("lines", LiquidSandbox.plain(IntStream.range(0, 5).mapToObj(n -> Map.<String, Object>of(
                "name", "Product " + n + " & co", "quantity", 1 + n % 3,
                "price", new BigDecimal("19.95").add(BigDecimal.valueOf(n)))).toList()));
        context.put("links", Map.of("unsubscribe", "https://t.example/u/token" + i));
        context.put("message", new LinkedHashMap<>(Map.of("channel", "email", "template", "cart")));
        return context;
    }
}
