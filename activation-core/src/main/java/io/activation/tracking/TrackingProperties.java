package io.activation.tracking;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Tracking settings ({@code activation.tracking.*}).
 *
 * @param baseUrl the public origin tracking links point to (the address recipients' mail clients and phones reach)
 * @param secret the HMAC-SHA256 key of tracking tokens; when blank, a random key generated once per installation and
 *     kept in the database ({@code tracking_keys}) is used, so links stay valid across restarts and instances
 * @param openBurst opens (and clicks of the same URL) of one delivery closer together than this count once as
 *     unique: mail clients and proxies fetch the pixel several times per reading
 * @param attribution which rows count as conversions and how they are attributed to a message
 */
@Validated
@ConfigurationProperties("activation.tracking")
public record TrackingProperties(
        @DefaultValue("http://localhost:8080") @NotBlank @Pattern(regexp = "https?://[^\\s?#]+") String baseUrl,
        @Pattern(regexp = "|.{16,}", message = "must be empty (a generated key) or at least 16 characters")
        String secret,
        @DefaultValue("PT1H") @NotNull Duration openBurst,
        @DefaultValue @Valid Attribution attribution) {

    /** The base URL without a trailing slash. */
    String origin() {
        return baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /**
     * Attribution of conversions ({@code activation.tracking.attribution.*}).
     *
     * @param enabled whether new rows of {@code table} are attributed
     * @param table the interaction table whose new rows are conversions (e.g. orders); must belong to a contact
     * @param revenueColumn the numeric column holding the revenue of a row; blank = conversions without revenue
     * @param window how long after an interaction a conversion is attributed to the message
     * @param touch which interactions count: {@code click} or {@code open} (an open also counts clicks)
     * @param model {@code last-click} (the latest interaction in the window) or {@code first-click} (the earliest)
     */
    public record Attribution(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("orders") @NotBlank String table,
            @DefaultValue("total") String revenueColumn,
            @DefaultValue("P7D") @NotNull Duration window,
            @DefaultValue("click") @Pattern(regexp = "click|open") String touch,
            @DefaultValue("last-click") @Pattern(regexp = "last-click|first-click") String model) {}
}
