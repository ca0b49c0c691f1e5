package io.activation.template;

import io.activation.platform.ConflictException;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The template catalogue: create, read, replace, delete, and the existence check scenario validation uses. Every
 * part is checked as sandboxed Liquid when saved, so a broken or forbidden template never reaches a send.
 */
@Service
public class Templates {

    /** Channels a template can be written for. */
    public static final Set<String> CHANNELS = Set.of("email", "sms", "push", "wallet", "print", "webhook");

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,99}");
    private static final Pattern DATA_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final int MAX_DATA = 50;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * A template's stored version: its row's {@code xmin}, the transaction that wrote the row version, which every
     * update replaces (an edit within the same clock microsecond changes it too, {@code updated_at} would not).
     */
    static final String VERSION_QUERY = "select id, xmin::text::bigint from templates where name = ? and channel = ?";

    /** Sends' view of the catalogue: the last version loaded of each template, checked against the row per render. */
    private static final int CACHE_SIZE = 1_000;

    /** A catalogue template as a render uses it, with its version and its texts joined once. */
    record Current(Template template, long version, String sources) {

        Personalisation.TemplateVersion check() {
            return new Personalisation.TemplateVersion(template.name(), template.channel(), template.id(), version);
        }
    }

    private record Key(String name, String channel) {}

    private final Map<Key, Current> current = new java.util.concurrent.ConcurrentHashMap<>();
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final LiquidSandbox sandbox;

    Templates(JdbcTemplate jdbc, Clock clock, LiquidSandbox sandbox) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.sandbox = sandbox;
    }

    /**
     * What a client sends to create or replace a template: {@code parts} and {@code data} (push data, wallet pass
     * fields) per channel; {@code subject} and {@code body} are the first API's shorthand for the subject (e-mail
     * subject, push title) and the channel's main part (see {@link ChannelParts#mainPart}).
     */
    public record TemplateInput(String name, String channel, String subject, String body, Map<String, String> parts,
            Map<String, String> data) {

        public TemplateInput {
            parts = parts == null ? Map.of() : new LinkedHashMap<>(parts);
            data = data == null ? Map.of() : new LinkedHashMap<>(data);
        }

        public TemplateInput(String name, String channel, String subject, String body) {
            this(name, channel, subject, body, null, null);
        }
    }

    /** Whether a template of that name exists for the channel. */
    public boolean exists(String name, String channel) {
        Boolean found = jdbc.queryForObject("select exists(select 1 from templates where name = ? and channel = ?)",
                Boolean.class, name, channel);
        return Boolean.TRUE.equals(found);
    }

    @Transactional
    public Template create(TemplateInput input) {
        Map<String, String> parts = validate(input);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        try {
            Long id = jdbc.queryForObject("""
                    insert into templates (name, channel, subject, body, parts, data, created_at, updated_at)
                    values (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?) returning id""", Long.class, input.name(),
                    input.channel(), subjectColumn(input, parts), bodyColumn(input.channel(), parts),
                    JSON.writeValueAsString(parts), JSON.writeValueAsString(input.data()), Timestamp.from(now),
                    Timestamp.from(now));
            return get(id);
        } catch (DuplicateKeyException e) {
            throw exists(input);
        }
    }

    @Transactional
    public Template replace(long id, TemplateInput input) {
        Map<String, String> parts = validate(input);
        get(id);
        try {
            forget(id);
            jdbc.update("update templates set name = ?, channel = ?, subject = ?, body = ?, parts = ?::jsonb,"
                    + " data = ?::jsonb, updated_at = ? where id = ?", input.name(), input.channel(),
                    subjectColumn(input, parts), bodyColumn(input.channel(), parts), JSON.writeValueAsString(parts),
                    JSON.writeValueAsString(input.data()),
                    Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)), id);
        } catch (DuplicateKeyException e) {
            throw exists(input);
        }
        return get(id);
    }

    public Template get(long id) {
        return find(id).orElseThrow(() -> new NotFoundException("id", "No template with id " + id));
    }

    public Optional<Template> find(long id) {
        return jdbc.query("select * from templates where id = ?", Templates::map, id).stream().findFirst();
    }

    /** The template of that name on that channel. */
    public Optional<Template> find(String name, String channel) {
        return jdbc.query("select * from templates where name = ? and channel = ?", Templates::map, name, channel)
                .stream().findFirst();
    }

    /**
     * The template as last loaded on this node, without a query; a render must confirm its version (see
     * {@link Personalisation#build(long, JsonNode, String, Personalisation.TemplateVersion)}) and call
     * {@link #reload} when it changed. Empty when not loaded yet: call {@link #reload}.
     */
    Optional<Current> cached(String name, String channel) {
        return Optional.ofNullable(current.get(new Key(name, channel)));
    }

    /** Reads the template and its version from the catalogue and keeps them for {@link #cached}. */
    Optional<Current> reload(String name, String channel) {
        Key key = new Key(name, channel);
        Optional<Current> loaded = jdbc.query("select *, xmin::text::bigint as version from templates where name = ?"
                + " and channel = ?", (rs, n) -> {
                    Template t = map(rs, n);
                    return new Current(t, rs.getLong("version"), String.join("\n", t.parts().values()) + "\n"
                            + String.join("\n", t.data().values()));
                }, name, channel).stream().findFirst();
        if (loaded.isPresent()) {
            if (current.size() >= CACHE_SIZE) {
                current.clear();
            }
            current.put(key, loaded.get());
        } else {
            current.remove(key);
        }
        return loaded;
    }

    public List<Template> list(String channel) {
        return channel == null
                ? jdbc.query("select * from templates order by name, channel", Templates::map)
                : jdbc.query("select * from templates where channel = ? order by name", Templates::map, channel);
    }

    @Transactional
    public boolean delete(long id) {
        forget(id);
        return jdbc.update("delete from templates where id = ?", id) > 0;
    }

    /** Drops this node's copy of a template being edited (a render would also find its version changed). */
    private void forget(long id) {
        current.values().removeIf(c -> c.template().id() == id);
    }

    private static ConflictException exists(TemplateInput input) {
        return new ConflictException("template-exists", "name", "A template '" + input.name()
                + "' for channel '" + input.channel() + "' exists already");
    }

    /** Validates the input and answers the parts to store (subject and body folded in). */
    private Map<String, String> validate(TemplateInput input) {
        List<FieldError> errors = new ArrayList<>();
        if (input.name() == null || !NAME.matcher(input.name()).matches()) {
            errors.add(new FieldError("name", "is required: 1 to 100 characters of a-z, 0-9, '_', '.', '-'"));
        }
        String channel = input.channel();
        boolean nothing = (input.body() == null || input.body().isEmpty()) && input.parts().isEmpty();
        if (channel == null || !CHANNELS.contains(channel)) {
            errors.add(new FieldError("channel", "must be one of " + CHANNELS.stream().sorted().toList()));
            if (nothing) {
                errors.add(new FieldError("body", "is required"));
            }
            throw new InvalidInputException(errors);
        }
        if (input.subject() != null && input.subject().length() > 500) {
            errors.add(new FieldError("subject", "must be at most 500 characters"));
        }
        Map<String, String> parts = new LinkedHashMap<>();
        Map<String, String> fieldOf = new java.util.HashMap<>();
        List<String> allowed = ChannelParts.parts(channel);
        input.parts().forEach((name, value) -> {
            if (!allowed.contains(name)) {
                errors.add(new FieldError("parts." + name, "is not a part of a " + channel + " template: "
                        + allowed));
            } else if (value != null && !value.isEmpty()) {
                parts.put(name, value);
            }
        });
        String main = ChannelParts.mainPart(channel);
        if (input.body() != null && !input.body().isEmpty()) {
            if (parts.containsKey(main)) {
                errors.add(new FieldError("body", "is the shorthand of parts." + main + ": send one of them"));
            } else {
                parts.put(main, input.body());
                fieldOf.put(main, "body");
            }
        }
        String subjectPart = ChannelParts.subjectPart(channel);
        if (input.subject() != null && !input.subject().isEmpty() && subjectPart != null) {
            if (parts.containsKey(subjectPart)) {
                errors.add(new FieldError("subject", "is the shorthand of parts." + subjectPart
                        + ": send one of them"));
            } else {
                parts.put(subjectPart, input.subject());
                fieldOf.put(subjectPart, "subject");
            }
        }
        if (nothing) {
            errors.add(new FieldError("body", "is required (or parts: " + allowed + ")"));
        } else {
            for (List<String> oneOf : ChannelParts.required(channel)) {
                if (oneOf.stream().noneMatch(parts::containsKey)) {
                    errors.add(new FieldError("parts." + oneOf.get(0), "is required" + (oneOf.size() > 1
                            ? " (or parts." + oneOf.get(1) + ")" : "")));
                }
            }
        }
        String passType = parts.get(ChannelParts.PASS_TYPE);
        if (passType != null && !passType.contains("{") && !ChannelParts.PASS_TYPES.contains(passType)) {
            errors.add(new FieldError("parts.passType", "must be one of " + ChannelParts.PASS_TYPES.stream()
                    .sorted().toList()));
        }
        parts.forEach((name, value) -> errors.addAll(sandbox.check(fieldOf.getOrDefault(name, "parts." + name),
                value)));
        if (!input.data().isEmpty() && !ChannelParts.hasData(channel)) {
            errors.add(new FieldError("data", "only push (data) and wallet (pass fields) templates carry data"));
        } else if (input.data().size() > MAX_DATA) {
            errors.add(new FieldError("data", "must have at most " + MAX_DATA + " entries"));
        } else {
            input.data().forEach((key, value) -> {
                if (!DATA_KEY.matcher(key).matches()) {
                    errors.add(new FieldError("data." + key, "keys are 1 to 64 characters of A-Z, a-z, 0-9, '_',"
                            + " '.', '-'"));
                } else if (value == null) {
                    errors.add(new FieldError("data." + key, "must be a string"));
                } else {
                    errors.addAll(sandbox.check("data." + key, value));
                }
            });
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return parts;
    }

    private static String subjectColumn(TemplateInput input, Map<String, String> parts) {
        String subjectPart = ChannelParts.subjectPart(input.channel());
        return subjectPart == null ? input.subject() : parts.get(subjectPart);
    }

    private static String bodyColumn(String channel, Map<String, String> parts) {
        String main = parts.get(ChannelParts.mainPart(channel));
        return main == null ? parts.get(ChannelParts.TEXT) : main;
    }

    private static Template map(ResultSet rs, int n) throws SQLException {
        return new Template(rs.getLong("id"), rs.getString("name"), rs.getString("channel"),
                strings(rs.getString("parts")), strings(rs.getString("data")),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    }

    private static Map<String, String> strings(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        if (json != null) {
            JsonNode node = JSON.readTree(json);
            node.propertyNames().forEach(k -> {
                if (node.get(k).isString()) {
                    out.put(k, node.get(k).stringValue());
                }
            });
        }
        return out;
    }
}
