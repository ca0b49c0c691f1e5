package io.activation.template;

/**
 * Renders a template of the catalogue for one contact: the one way the sender runtime, the preview and the test
 * send turn a template into a message. Sandboxed Liquid; the context is the contact, the triggering event or row,
 * related rows, recommendations and the tracking links of the delivery.
 */
public interface MessageRenderer {

    /**
     * Renders, or throws {@link RenderException} (unknown template, a template error, a render limit reached) with
     * a message fit for the decision trail and a problem detail.
     */
    RenderedMessage render(RenderRequest request);
}
