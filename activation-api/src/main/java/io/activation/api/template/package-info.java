/** REST API of the template catalogue ({@code /api/v1/templates}). */
package io.activation.api.template;
