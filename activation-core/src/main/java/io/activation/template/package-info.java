/**
 * The template catalogue: named message templates per channel ({@code email}, {@code sms}, {@code push}, ...).
 * Scenarios refer to templates by name and channel; validation checks they exist. Rendering (Liquid,
 * personalisation, link wrapping) comes with delivery and extends this package.
 */
package io.activation.template;
