package io.activation.web.console;

import io.activation.datamodel.DataModel;
import io.activation.ingest.Outbox;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import io.activation.platform.Roles;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

@Controller
@ConditionalOnRole(Role.CONSOLE)
class ConsoleController {

    private final DataModel dataModel;
    private final Outbox outbox;
    private final JdbcTemplate jdbc;
    private final Roles roles;
    private final Environment environment;

    ConsoleController(DataModel dataModel, Outbox outbox, JdbcTemplate jdbc, Roles roles, Environment environment) {
        this.dataModel = dataModel;
        this.outbox = outbox;
        this.jdbc = jdbc;
        this.roles = roles;
        this.environment = environment;
    }

    @GetMapping("/")
    String home(Model model) {
        model.addAttribute("tables", dataModel.list());
        model.addAttribute("contacts", jdbc.queryForObject("select count(*) from contacts", Long.class));
        model.addAttribute("events", jdbc.queryForObject("select count(*) from events", Long.class));
        model.addAttribute("backlog", outbox.backlog());
        model.addAttribute("roles", roles.enabled());
        model.addAttribute("mailHost", environment.getProperty("spring.mail.host"));
        model.addAttribute("mailPort", environment.getProperty("spring.mail.port"));
        model.addAttribute("imapPort", environment.getProperty("activation.embedded.mail.imap-port"));
        model.addAttribute("kafka", environment.getProperty("spring.kafka.bootstrap-servers"));
        return "index";
    }
}
