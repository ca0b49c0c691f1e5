package io.activation.web;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The one bootable application: it assembles core, API, channels and console. Which roles this process plays
 * (api, engine, senders, console) is configuration ({@code activation.roles}), so the same jar scales out.
 */
@SpringBootApplication(scanBasePackages = "io.activation")
@AutoConfigurationPackage(basePackages = "io.activation")
public class ActivationApplication {

    public static void main(String[] args) {
        SpringApplication.run(ActivationApplication.class, args);
    }
}
