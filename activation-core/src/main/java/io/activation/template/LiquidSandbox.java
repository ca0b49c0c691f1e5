package io.activation.template;

import io.activation.platform.FieldError;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import liqp.Template;
import liqp.TemplateContext;
import liqp.TemplateParser;
import liqp.exceptions.ExceededMaxIterationsException;
import liqp.exceptions.LiquidException;
import liqp.filters.Filter;
import liqp.filters.Filters;
import liqp.nodes.LNode;
import liqp.parser.Flavor;
import liqp.tags.Tag;
import liquid.parser.v4.LiquidParser;
import liqp.org.antlr.v4.runtime.tree.ParseTree;

/**
 * Liquid, locked down for marketer-written templates (see docs/adr/0013). What it allows is data in, text out:
 * <ul>
 *   <li>the standard Liquid tags and blocks except {@code include} / {@code include_relative} / {@code render}
 *       (no file is ever read: those tags are refused when a template is saved, throw when rendered, and the name
 *       resolver refuses every name);</li>
 *   <li>a vetted list of filters ({@link #FILTERS}), each wrapped so its result is bounded in size and a
 *       timed-out render stops at the next filter; every other filter name, Jekyll's included, is refused;</li>
 *   <li>a context of plain values only ({@link #plain}): maps, lists, strings, numbers, booleans. No Java object
 *       reaches the template, so there is no method to call and no getter to reflect on, whatever the syntax;</li>
 *   <li>limits: loop iterations, template size, output size, and wall-clock time per render.</li>
 * </ul>
 */
final class LiquidSandbox {

    /** The filters a template may use: text, numbers, lists, dates, escaping. Nothing that reads or fetches. */
    static final Set<String> FILTERS = Set.of("abs", "append", "at_least", "at_most", "capitalize", "ceil",
            "compact", "concat", "date", "default", "divided_by", "downcase", "escape", "escape_once", "first",
            "floor", "h", "join", "json", "last", "lstrip", "map", "minus", "modulo", "newline_to_br", "plus",
            "prepend", "remove", "remove_first", "replace", "replace_first", "reverse", "round", "rstrip", "size",
            "slice", "sort", "sort_natural", "split", "strip", "strip_html", "strip_newlines", "times", "truncate",
            "truncatewords", "uniq", "upcase", "url_decode", "url_encode", "where", "lookup");

    /** The most {@code lookup} reads one render may make. */
    static final int MAX_LOOKUPS = 100;

    private static final Set<String> FORBIDDEN_TAGS = Set.of("include", "include_relative", "render");
    private static final int MAX_DEPTH = 8;
    private static final int MAX_CACHED = 1000;
    /** Blocks nested deeper than this are refused before parsing: deep nesting costs the parser stack and time. */
    static final int MAX_NESTING = 40;
    private static final java.util.regex.Pattern TAG = java.util.regex.Pattern.compile("\\{%-?\\s*(\\w+)");
    private static final Set<String> BLOCKS = Set.of("if", "unless", "for", "case", "capture", "tablerow",
            "comment", "raw", "ifchanged");

    /** Looked up once: {@code ManagementFactory.getThreadMXBean()} per render showed in the e-mail pipeline's profile. */
    private static final java.lang.management.ThreadMXBean CPU =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private final TemplateParser parser;
    private final Duration timeout;
    private final int maxOutput;
    private final int maxTemplate;
    private final int maxIterations;
    private final ExecutorService executor;
    /**
     * Parsed and vetted templates by source, idle ones only: the same template renders for thousands of contacts,
     * but a liqp {@code Template} keeps the context of the render in progress in a field, so one instance must never
     * render for two contacts at once (it did: another contact's name in a subject). A render takes an idle parse
     * or makes one, and gives it back when it finished normally.
     */
    private final java.util.concurrent.ConcurrentMap<String, java.util.Queue<Template>> parsed =
            new java.util.concurrent.ConcurrentHashMap<>();

    LiquidSandbox(Duration timeout, int maxOutputChars, int maxTemplateChars, int maxIterations) {
        this(timeout, maxOutputChars, maxTemplateChars, maxIterations, (table, key) -> java.util.Optional.empty());
    }

    /**
     * @param lookup the reads of the {@code lookup} filter ({@code {{ item.sku | lookup: "products" }}}): a row of a
     *     reference table by key, as plain values
     */
    LiquidSandbox(Duration timeout, int maxOutputChars, int maxTemplateChars, int maxIterations,
            java.util.function.BiFunction<String, String, java.util.Optional<Map<String, Object>>> lookup) {
        this.timeout = timeout;
        this.maxOutput = maxOutputChars;
        this.maxTemplate = maxTemplateChars;
        this.maxIterations = maxIterations;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "liquid-render-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        TemplateParser.Builder builder = new TemplateParser.Builder()
                .withFlavor(Flavor.LIQUID)
                .withErrorMode(TemplateParser.ErrorMode.STRICT)
                .withEvaluateMode(TemplateParser.EvaluateMode.LAZY)
                .withStrictVariables(false)
                .withMaxIterations(maxIterations)
                .withMaxSizeRenderedString(maxOutputChars)
                .withMaxTemplateSizeBytes(maxTemplateChars * 4L)
                .withMaxRenderTimeMillis(Long.MAX_VALUE) // timed here: CPU time, see #timed
                .withNameResolver(name -> {
                    throw new SecurityException("templates cannot include other files");
                });
        for (String tag : FORBIDDEN_TAGS) {
            builder.withTag(new Forbidden(tag));
        }
        Map<String, Filter> all = new LinkedHashMap<>(Filters.JEKYLL_FILTERS.getMap());
        all.putAll(Filters.DEFAULT_FILTERS.getMap());
        all.forEach((name, filter) -> builder.withFilter(FILTERS.contains(name)
                ? new Bounded(filter, maxOutputChars) : new Refused(name)));
        builder.withFilter(new Bounded(new Lookup(lookup), maxOutputChars));
        this.parser = builder.build();
        warmUp();
    }

    /** The syntax and vetting problems of one template field, as field errors naming it (empty when fine). */
    List<FieldError> check(String field, String source) {
        if (source == null) {
            return List.of();
        }
        if (source.length() > maxTemplate) {
            return List.of(new FieldError(field, "must be at most " + maxTemplate + " characters"));
        }
        int depth = 0;
        java.util.regex.Matcher tags = TAG.matcher(source);
        while (tags.find()) {
            String name = tags.group(1);
            if (BLOCKS.contains(name) && ++depth > MAX_NESTING) {
                return List.of(new FieldError(field, "nests blocks deeper than " + MAX_NESTING + " levels"));
            } else if (name.startsWith("end") && BLOCKS.contains(name.substring(3))) {
                depth--;
            }
        }
        Template template;
        try {
            template = parser.parse(source);
        } catch (RuntimeException e) {
            return List.of(new FieldError(field, "is not valid Liquid: " + message(e)));
        }
        List<FieldError> errors = new ArrayList<>();
        vet(template.getParseTree(), field, errors);
        return errors;
    }

    /**
     * Renders {@code source} with {@code context} (plain values, see {@link #plain}). Throws {@link RenderException}
     * naming {@code field} on a syntax error, a refused tag or filter, or a limit reached.
     */
    String render(String field, String source, Map<String, Object> context) {
        if (source == null || source.isEmpty()) {
            return source;
        }
        java.util.Queue<Template> idle = idle(field, source);
        Template template = idle.poll();
        if (template == null) {
            template = parser.parse(source);
        }
        try {
            String out = timed(template, context);
            // Back to the idle ones only after a render that ended normally (a stopped one may still be running).
            idle.offer(template);
            if (out.length() > maxOutput) {
                throw new RenderException(field, field + " renders to more than " + maxOutput + " characters");
            }
            return out;
        } catch (RenderException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new RenderException(field, field + " could not be rendered: " + renderMessage(e), e);
        }
    }

    /** A field of a message ({@code parts.html}, {@code data.key}) and its Liquid source. */
    record Field(String name, String source) {}

    /**
     * {@link #render} for the fields of one message with one context, in one hand-off to the render pool instead of
     * one per field (a hand-off is a task queued, a thread woken and a caller parked). Each field keeps its own
     * limits: its CPU time is counted from its own start, its output is bounded, and a failure names it. Answers the
     * outputs in the fields' order ({@code null} or empty sources as they are).
     */
    List<String> renderAll(List<Field> fields, Map<String, Object> context) {
        int n = fields.size();
        Template[] templates = new Template[n];
        List<java.util.Queue<Template>> idles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Field field = fields.get(i);
            if (field.source() == null || field.source().isEmpty()) {
                idles.add(null);
                continue;
            }
            java.util.Queue<Template> idle = idle(field.name(), field.source());
            idles.add(idle);
            Template template = idle.poll();
            templates[i] = template != null ? template : parser.parse(field.source());
        }
        String[] out = new String[n];
        java.lang.management.ThreadMXBean cpu = CPU;
        boolean cpuTime = cpu.isCurrentThreadCpuTimeSupported() && cpu.isThreadCpuTimeEnabled();
        Progress progress = new Progress();
        java.util.concurrent.Future<?> future = executor.submit(() -> {
            progress.thread = Thread.currentThread().getId();
            for (int i = 0; i < n; i++) {
                if (templates[i] == null) {
                    out[i] = fields.get(i).source();
                    continue;
                }
                progress.start(i, cpuTime ? cpu.getCurrentThreadCpuTime() : System.nanoTime());
                try {
                    out[i] = templates[i].renderUnguarded(context);
                } catch (RuntimeException | StackOverflowError e) {
                    throw new FieldFailed(i, e);
                }
            }
            progress.field = -1;
            return null;
        });
        long limit = timeout.toNanos();
        try {
            while (true) {
                try {
                    future.get(Math.max(1, timeout.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
                    break;
                } catch (java.util.concurrent.TimeoutException slice) {
                    int at = progress.field;
                    if (at < 0) {
                        continue;
                    }
                    boolean over = System.nanoTime() - progress.wallStart > 10 * limit;
                    if (!over) {
                        long now = cpuTime ? cpu.getThreadCpuTime(progress.thread) : System.nanoTime();
                        over = now < 0 || now - progress.cpuStart > limit;
                    }
                    if (over && progress.field == at) {
                        future.cancel(true);
                        giveBack(templates, idles, at);
                        throw failed(fields.get(at).name(), new TimeLimit());
                    }
                }
            }
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            int at = Math.max(0, progress.field);
            throw failed(fields.get(Math.min(at, n - 1)).name(), new TimeLimit());
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof FieldFailed f) {
                giveBack(templates, idles, f.index);
                Throwable cause = f.getCause();
                if (cause instanceof RenderException r) {
                    throw r;
                }
                throw failed(fields.get(f.index).name(), cause);
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
        // Back to the idle ones only after renders that ended normally (a stopped one may still be running).
        giveBack(templates, idles, n);
        List<String> answers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (out[i] != null && templates[i] != null && out[i].length() > maxOutput) {
                String name = fields.get(i).name();
                throw new RenderException(name, name + " renders to more than " + maxOutput + " characters");
            }
            answers.add(out[i]);
        }
        return answers;
    }

    /** Where the render of a message's fields is: the field under way (-1: none), its thread and starting times. */
    private static final class Progress {
        volatile int field = -1;
        volatile long thread;
        volatile long cpuStart;
        volatile long wallStart;

        void start(int index, long cpuNow) {
            cpuStart = cpuNow;
            wallStart = System.nanoTime();
            field = index;
        }
    }

    /** The failure of one field of {@link #renderAll}, by its index. */
    private static final class FieldFailed extends RuntimeException {
        final int index;

        FieldFailed(int index, Throwable cause) {
            super(null, cause, false, false);
            this.index = index;
        }
    }

    private RenderException failed(String field, Throwable cause) {
        return new RenderException(field, field + " could not be rendered: " + renderMessage(cause), cause);
    }

    private static void giveBack(Template[] templates, List<java.util.Queue<Template>> idles, int before) {
        for (int i = 0; i < before && i < templates.length; i++) {
            if (templates[i] != null) {
                idles.get(i).offer(templates[i]);
            }
        }
    }

    /** The idle parses of a source, checked (syntax, vetting) the first time it is seen. */
    private java.util.Queue<Template> idle(String field, String source) {
        java.util.Queue<Template> idle = parsed.get(source);
        if (idle == null) {
            List<FieldError> problems = check(field, source);
            if (!problems.isEmpty()) {
                throw new RenderException(field, field + " " + problems.get(0).message());
            }
            if (parsed.size() >= MAX_CACHED) {
                parsed.clear();
            }
            idle = parsed.computeIfAbsent(source, s -> new java.util.concurrent.ConcurrentLinkedQueue<>());
        }
        return idle;
    }

    /**
     * Renders on the pool and waits. The limit is the render's CPU time, so a busy machine (many renders, a GC)
     * does not fail a template that is itself cheap; a render is in any case stopped after ten times the limit
     * of wall-clock time. A stopped render is interrupted, which the vetted filters check.
     */
    private String timed(Template template, Map<String, Object> context) {
        java.lang.management.ThreadMXBean cpu = CPU;
        boolean cpuTime = cpu.isCurrentThreadCpuTimeSupported() && cpu.isThreadCpuTimeEnabled();
        long[] started = new long[2]; // thread id, CPU nanos at start
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.Future<String> future = executor.submit(() -> {
            started[0] = Thread.currentThread().getId();
            started[1] = cpuTime ? cpu.getCurrentThreadCpuTime() : System.nanoTime();
            running.countDown();
            return template.renderUnguarded(context);
        });
        long limit = timeout.toNanos();
        long hardDeadline = System.nanoTime() + 10 * limit;
        try {
            while (true) {
                try {
                    return future.get(Math.max(1, timeout.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException slice) {
                    boolean over = System.nanoTime() > hardDeadline;
                    if (!over && running.getCount() == 0) {
                        long now = cpuTime ? cpu.getThreadCpuTime(started[0]) : System.nanoTime();
                        over = now < 0 || now - started[1] > limit;
                    }
                    if (over) {
                        future.cancel(true);
                        throw new TimeLimit();
                    }
                }
            }
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new TimeLimit();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** One render at start-up, so the first message does not pay for class loading against its time limit. */
    private void warmUp() {
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("contact", plain(Map.of("first_name", "Ann", "points", 3)));
        sample.put("items", plain(List.of(Map.of("name", "a", "price", new BigDecimal("1.5")))));
        parser.parse("{% assign n = items | size %}{% for i in items %}{{ i.name | upcase }}{{ i.price | times: 2 }}"
                + "{% endfor %}{% if contact.points > 1 %}{{ contact.first_name | default: 'x' }}{% endif %}"
                + "{{ '2026-01-01' | date: '%Y' }}{{ items | json }}").renderUnguarded(sample);
    }

    int maxOutput() {
        return maxOutput;
    }

    private String renderMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ExceededMaxIterationsException) {
                return "more than " + maxIterations + " loop iterations";
            }
            if (t instanceof StackOverflowError) {
                return "nested too deeply";
            }
            String m = String.valueOf(t.getMessage());
            if (t instanceof TimeLimit || m.contains("exceeded the max amount of time")) {
                return "took longer than " + timeout.toMillis() + " ms";
            }
            if (m.contains("rendered string exceeds") || m.contains("max size")
                    || t instanceof OutputTooLarge) {
                return "output larger than " + maxOutput + " characters";
            }
            if (t instanceof Refusal) {
                return t.getMessage();
            }
        }
        return message(e);
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root
                && (root.getMessage() == null || root.getMessage().startsWith("Oops"))) {
            root = root.getCause();
        }
        String m = root instanceof LiquidException le && le.getMessage() != null ? le.getMessage()
                : String.valueOf(root.getMessage());
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    private static void vet(ParseTree node, String field, List<FieldError> errors) {
        if (node instanceof LiquidParser.Include_tagContext
                || node instanceof LiquidParser.Include_relative_tagContext) {
            errors.add(new FieldError(field, "must not use include: templates cannot read other files"));
            return;
        }
        if (node instanceof LiquidParser.Other_tagContext other && other.BlockId() != null
                && FORBIDDEN_TAGS.contains(other.BlockId().getText())) {
            errors.add(new FieldError(field, "must not use " + other.BlockId().getText()
                    + ": templates cannot read other files"));
            return;
        }
        if (node instanceof LiquidParser.Simple_tagContext simple && simple.getChildCount() > 1
                && FORBIDDEN_TAGS.contains(simple.getChild(1).getText())) {
            errors.add(new FieldError(field, "must not use " + simple.getChild(1).getText()
                    + ": templates cannot read other files"));
            return;
        }
        if (node instanceof LiquidParser.FilterContext filter && filter.Id() != null
                && !FILTERS.contains(filter.Id().getText())) {
            errors.add(new FieldError(field, "uses the filter '" + filter.Id().getText()
                    + "', which is not allowed; allowed: " + new java.util.TreeSet<>(FILTERS)));
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            vet(node.getChild(i), field, errors);
        }
    }

    /**
     * The value as the sandbox accepts it: null, String, Boolean, Long, BigDecimal, or maps (string keys) and lists
     * of those, at most {@value #MAX_DEPTH} levels deep. Other numbers are widened; anything else (dates, ids) is
     * its string form: no Java object with methods reaches a template.
     */
    static Object plain(Object value) {
        return plain(value, 0);
    }

    private static Object plain(Object value, int depth) {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long
                || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
        }
        if (depth >= MAX_DEPTH) {
            return null;
        }
        if (value instanceof tools.jackson.databind.JsonNode node) {
            return json(node, depth);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), plain(v, depth + 1)));
            return out;
        }
        if (value instanceof Collection<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(plain(v, depth + 1)));
            return out;
        }
        return value.toString();
    }

    private static Object json(tools.jackson.databind.JsonNode node, int depth) {
        if (node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isString()) {
            return node.stringValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.decimalValue();
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>(node.size());
            node.forEach(v -> out.add(plain(v, depth + 1)));
            return out;
        }
        if (node.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            node.propertyNames().forEach(k -> out.put(k, plain(node.get(k), depth + 1)));
            return out;
        }
        return node.asString();
    }

    /** A refusal the sandbox raises itself (forbidden tag or filter). */
    static final class Refusal extends RuntimeException {
        Refusal(String message) {
            super(message, null, false, false);
        }
    }

    static final class TimeLimit extends RuntimeException {
        TimeLimit() {
            super("time limit", null, false, false);
        }
    }

    static final class OutputTooLarge extends RuntimeException {
        OutputTooLarge(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Forbidden extends Tag {
        Forbidden(String name) {
            super(name);
        }

        @Override
        public Object render(TemplateContext context, LNode... nodes) {
            throw new Refusal("the tag '" + name + "' is not allowed: templates cannot read other files");
        }
    }

    private static final class Refused extends Filter {
        Refused(String name) {
            super(name);
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            throw new Refusal("the filter '" + name + "' is not allowed");
        }
    }

    /**
     * {@code {{ key | lookup: "products" }}}: the row of a reference table with that business key (a map), or nil.
     * At most {@link #MAX_LOOKUPS} per render, counted in the render's own registry.
     */
    private static final class Lookup extends Filter {
        private final java.util.function.BiFunction<String, String, java.util.Optional<Map<String, Object>>> rows;

        Lookup(java.util.function.BiFunction<String, String, java.util.Optional<Map<String, Object>>> rows) {
            super("lookup");
            this.rows = rows;
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            if (params.length != 1 || !(params[0] instanceof CharSequence)) {
                throw new Refusal("lookup takes the name of a reference table: {{ sku | lookup: \"products\" }}");
            }
            if (value == null || value instanceof Map<?, ?> || value instanceof Collection<?>) {
                return null;
            }
            Map<String, Object> budget = context.getRegistry("activation.lookups");
            int used = budget.get("n") instanceof Integer n ? n : 0;
            if (used >= MAX_LOOKUPS) {
                throw new Refusal("more than " + MAX_LOOKUPS + " lookups");
            }
            budget.put("n", used + 1);
            String key = value instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString() : value.toString();
            return rows.apply(params[0].toString(), key).orElse(null);
        }
    }

    /** A vetted filter whose result is bounded, and which stops a render that ran out of time. */
    private static final class Bounded extends Filter {
        private final Filter delegate;
        private final int max;

        Bounded(Filter delegate, int max) {
            super(delegate.name);
            this.delegate = delegate;
            this.max = max;
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            if (Thread.currentThread().isInterrupted()) {
                throw new Refusal("render stopped: time limit reached");
            }
            Object result = delegate.apply(value, context, params);
            if (result instanceof CharSequence s && s.length() > max) {
                throw new OutputTooLarge("the filter '" + name + "' made a text over " + max + " characters");
            }
            if (result instanceof Collection<?> c && c.size() > max) {
                throw new OutputTooLarge("the filter '" + name + "' made a list over " + max + " items");
            }
            if (result instanceof Object[] a && a.length > max) {
                throw new OutputTooLarge("the filter '" + name + "' made a list over " + max + " items");
            }
            return result;
        }
    }
}
