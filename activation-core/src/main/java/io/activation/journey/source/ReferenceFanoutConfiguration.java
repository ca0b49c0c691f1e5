package io.activation.journey.source;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ReferenceFanoutProperties.class)
class ReferenceFanoutConfiguration {}
