package io.activation.template;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TemplateProperties.class)
class TemplateConfiguration {

    @Bean
    LiquidSandbox liquidSandbox(TemplateProperties properties, ReferenceRows referenceRows) {
        return new LiquidSandbox(properties.renderTimeout(), properties.maxOutputChars(),
                properties.maxTemplateChars(), properties.maxIterations(), referenceRows::find);
    }
}
