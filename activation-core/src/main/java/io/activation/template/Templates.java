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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** The template catalogue: create, read, replace, delete, and the existence check scenario validation uses. */
@Service
public class Templates {

    /** Channels a template can be written for. */
    public static final Set<String> CHANNELS = Set.of("email", "sms", "push", "wallet", "print", "webhook");

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,99}");
    private static final int MAX_BODY = 200_000;

    private final JdbcTemplate jdbc;
    private final Clock clock;

    Templates(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** What a client sends to create or replace a template. */
    public record TemplateInput(String name, String channel, String subject, String body) {}

    /** Whether a template of that name exists for the channel. */
    public boolean exists(String name, String channel) {
        Boolean found = jdbc.queryForObject("select exists(select 1 from templates where name = ? and channel = ?)",
                Boolean.class, name, channel);
        return Boolean.TRUE.equals(found);
    }

    @Transactional
    public Template create(TemplateInput input) {
        validate(input);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        try {
            Long id = jdbc.queryForObject("""
                    insert into templates (name, channel, subject, body, created_at, updated_at)
                    values (?, ?, ?, ?, ?, ?) returning id""", Long.class, input.name(), input.channel(),
                    input.subject(), input.body(), Timestamp.from(now), Timestamp.from(now));
            return get(id);
        } catch (DuplicateKeyException e) {
            throw new ConflictException("template-exists", "name", "A template '" + input.name()
                    + "' for channel '" + input.channel() + "' exists already");
        }
    }

    @Transactional
    public Template replace(long id, TemplateInput input) {
        validate(input);
        get(id);
        try {
            jdbc.update("update templates set name = ?, channel = ?, subject = ?, body = ?, updated_at = ?"
                    + " where id = ?", input.name(), input.channel(), input.subject(), input.body(),
                    Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)), id);
        } catch (DuplicateKeyException e) {
            throw new ConflictException("template-exists", "name", "A template '" + input.name()
                    + "' for channel '" + input.channel() + "' exists already");
        }
        return get(id);
    }

    public Template get(long id) {
        return find(id).orElseThrow(() -> new NotFoundException("id", "No template with id " + id));
    }

    public Optional<Template> find(long id) {
        return jdbc.query("select * from templates where id = ?", Templates::map, id).stream().findFirst();
    }

    public List<Template> list(String channel) {
        return channel == null
                ? jdbc.query("select * from templates order by name, channel", Templates::map)
                : jdbc.query("select * from templates where channel = ? order by name", Templates::map, channel);
    }

    @Transactional
    public boolean delete(long id) {
        return jdbc.update("delete from templates where id = ?", id) > 0;
    }

    private static void validate(TemplateInput input) {
        List<FieldError> errors = new ArrayList<>();
        if (input.name() == null || !NAME.matcher(input.name()).matches()) {
            errors.add(new FieldError("name", "is required: 1 to 100 characters of a-z, 0-9, '_', '.', '-'"));
        }
        if (input.channel() == null || !CHANNELS.contains(input.channel())) {
            errors.add(new FieldError("channel", "must be one of " + CHANNELS.stream().sorted().toList()));
        }
        if (input.subject() != null && input.subject().length() > 500) {
            errors.add(new FieldError("subject", "must be at most 500 characters"));
        }
        if (input.body() == null || input.body().isEmpty()) {
            errors.add(new FieldError("body", "is required"));
        } else if (input.body().length() > MAX_BODY) {
            errors.add(new FieldError("body", "must be at most " + MAX_BODY + " characters"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
    }

    private static Template map(ResultSet rs, int n) throws SQLException {
        return new Template(rs.getLong("id"), rs.getString("name"), rs.getString("channel"),
                rs.getString("subject"), rs.getString("body"), rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }
}
