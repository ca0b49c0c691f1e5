/**
 * The marketer console (Thymeleaf). For now a home page that shows the platform's state and where to go next;
 * the data-model editor, contact view, segment and scenario builders follow in their issues.
 */
package io.activation.web.console;
