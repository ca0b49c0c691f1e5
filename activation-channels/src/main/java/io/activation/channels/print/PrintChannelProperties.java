package io.activation.channels.print;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code activation.channels.print.*}.
 *
 * @param directory where batches are written (the channel exists only when it is set); the print house picks up
 *     every directory in it whose name does not start with a dot
 * @param schedule the batch job's cron expression (second minute hour day month weekday)
 * @param addressFields the recipient attributes that make the postal address, in CSV column order
 * @param requiredFields the attributes a letter cannot go without (rejected as an invalid address otherwise)
 * @param maxLettersPerBatch the most letters in one batch directory
 */
@ConfigurationProperties("activation.channels.print")
public record PrintChannelProperties(Path directory, @DefaultValue("0 0 6 * * *") String schedule,
        @DefaultValue({"address_line1", "address_line2", "postal_code", "city", "region", "country"})
        List<String> addressFields,
        @DefaultValue({"address_line1", "city", "country"}) List<String> requiredFields,
        @DefaultValue("5000") int maxLettersPerBatch) {

    public PrintChannelProperties {
        addressFields = addressFields == null ? List.of() : List.copyOf(addressFields);
        requiredFields = requiredFields == null ? List.of() : List.copyOf(requiredFields);
        if (!addressFields.containsAll(requiredFields)) {
            throw new IllegalArgumentException("activation.channels.print.required-fields must be among "
                    + "activation.channels.print.address-fields");
        }
        if (maxLettersPerBatch < 1) {
            throw new IllegalArgumentException("activation.channels.print.max-letters-per-batch must be >= 1");
        }
    }
}
