package io.activation.template;

import io.activation.contact.ContactRef;
import io.activation.contact.ContactResolver;
import io.activation.contact.Contacts;
import io.activation.datamodel.StoredRow;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.util.Map;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/** Renders a catalogue template for a contact without sending it: links stay as written, no pixel. */
@Service
public class TemplatePreviews {

    private final Templates templates;
    private final LiquidRenderer renderer;
    private final Contacts contacts;
    private final ContactResolver resolver;

    TemplatePreviews(Templates templates, LiquidRenderer renderer, Contacts contacts, ContactResolver resolver) {
        this.templates = templates;
        this.renderer = renderer;
        this.contacts = contacts;
        this.resolver = resolver;
    }

    /** The id of an existing contact (never creates one); {@link NotFoundException} naming {@code field}. */
    public long contactId(ContactRef ref, String field) {
        if (ref.externalId() != null) {
            return contacts.byExternalId(ref.externalId()).map(StoredRow::id).orElseThrow(() ->
                    new NotFoundException(field + ".externalId", "No contact with external id '" + ref.externalId()
                            + "'"));
        }
        if (ref.anonymousId() != null) {
            return resolver.anonymous(ref.anonymousId()).orElseThrow(() ->
                    new NotFoundException(field + ".anonymousId", "No contact with anonymous id '"
                            + ref.anonymousId() + "'"));
        }
        return contacts.byId(ref.contactId()).map(StoredRow::id).orElseThrow(() ->
                new NotFoundException(field + ".contactId", "No contact with id " + ref.contactId()));
    }

    /**
     * A rendered template, with, for SMS, how the text will be counted.
     *
     * @param sms the SMS text's segment count, or null on other channels
     */
    public record Preview(Template template, Map<String, String> parts, Map<String, String> data, SmsSegments.Count sms) {}

    /**
     * Renders template {@code id} for the contact; {@code context} as a message request carries it. A template that
     * cannot be rendered for this contact is an {@link InvalidInputException} naming the part.
     */
    public Preview preview(long id, long contactId, JsonNode context) {
        Template template = templates.get(id);
        RenderedMessage rendered;
        try {
            rendered = renderer.render(template, new RenderRequest(template.name(), template.channel(), contactId,
                    null, null, context));
        } catch (RenderException e) {
            throw new InvalidInputException(e.field() == null ? "template" : e.field(), e.getMessage());
        }
        SmsSegments.Count sms = "sms".equals(template.channel())
                ? SmsSegments.count(rendered.parts().getOrDefault(ChannelParts.TEXT, "")) : null;
        return new Preview(template, rendered.parts(), rendered.data(), sms);
    }
}
