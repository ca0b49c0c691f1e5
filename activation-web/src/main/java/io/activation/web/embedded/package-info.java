/**
 * The "embedded default": what lets {@code java -jar activation.jar} start with nothing installed and nothing
 * configured. When the usual connection properties ({@code spring.datasource.url},
 * {@code spring.kafka.bootstrap-servers}, {@code spring.mail.host}) are absent, the
 * {@link io.activation.web.embedded.EmbeddedServicesEnvironmentPostProcessor} starts the missing backing services
 * inside the application's own process before any bean is created: PostgreSQL 17 (zonky's bundled binaries, run as a
 * child process), a single-node Apache Kafka broker in KRaft mode (combined broker and controller, from Kafka's own
 * jars) and a GreenMail mail catcher (SMTP plus IMAP to read what was "sent"). PostgreSQL and Kafka keep their data
 * under {@code activation.embedded.data-dir} (default {@code ./data}), so a restart finds everything again; the mail
 * catcher is in memory only. As soon as a real service is configured the embedded one is not started, so the same
 * jar runs against production infrastructure unchanged. {@link io.activation.web.embedded.EmbeddedServices} holds one
 * set of services per JVM, which several Spring contexts (for instance in a test run, with
 * {@code activation.embedded.ephemeral=true}) share, and stops them when the JVM exits. This is a convenience for
 * trying the product and for development and tests; it is not meant to carry production load.
 */
package io.activation.web.embedded;
