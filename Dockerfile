# Activation: one image, one executable Spring Boot jar (activation-web).
#
#   docker build -t activation .
#   docker compose up            # app + PostgreSQL + Kafka + Mailpit, see docker-compose.yml
#
# Run on its own, the image starts the embedded PostgreSQL, Kafka and mail catcher unless
# SPRING_DATASOURCE_URL / SPRING_KAFKA_BOOTSTRAP_SERVERS / SPRING_MAIL_HOST point elsewhere.
# Extra JVM flags: set JAVA_TOOL_OPTIONS (the JVM reads it itself, the entrypoint stays exec-form).

############################
# Build stage
############################
FROM eclipse-temurin:17-jdk AS build
WORKDIR /workspace

# 1. Only the wrapper and the POMs: this layer (Maven itself and every dependency and plugin) is
#    rebuilt only when a POM or the wrapper changes, not on every source edit.
#    go-offline skips the reactor's own modules (maven-dependency-plugin >= 3.7 excludes the
#    reactor by default), so the inter-module 0.1.0-SNAPSHOT dependencies do not break it.
#    Checked with the plugin version the Spring Boot parent manages; "|| true" keeps a future
#    plugin regression from failing the build: package below downloads whatever is missing.
COPY mvnw ./
COPY .mvn/ .mvn/
COPY pom.xml ./
COPY activation-core/pom.xml activation-core/
COPY activation-channels/pom.xml activation-channels/
COPY activation-api/pom.xml activation-api/
COPY activation-web/pom.xml activation-web/
RUN ./mvnw -B -ntp dependency:go-offline || true

# 2. Everything else (.dockerignore keeps target/, data/, .git and the like out) and the real build.
COPY . .
RUN ./mvnw -B -ntp -DskipTests package \
 && cp activation-web/target/activation-web-*.jar /workspace/app.jar

############################
# Runtime stage
############################
FROM eclipse-temurin:17-jre

# Fixed numeric ids so orchestrators can check runAsNonRoot; /app/data is the one writable place
# (the embedded services, when they are not switched off, keep their files under the working dir).
RUN groupadd --system --gid 10001 activation \
 && useradd --system --uid 10001 --gid activation --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin activation \
 && mkdir -p /app/data \
 && chown activation:activation /app/data

WORKDIR /app
COPY --from=build --chown=root:root /workspace/app.jar /app/app.jar

# The readiness group exists only when probes are on (Spring Boot turns them on by itself only on
# Kubernetes); the HEALTHCHECK below and orchestrators use it.
ENV MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED=true

USER 10001:10001
EXPOSE 8080

# No curl/wget needed: a plain HTTP/1.0 request over bash's /dev/tcp, healthy on a 200 status line.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=5 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /actuator/health/readiness HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && head -n 1 <&3 | grep -q "^HTTP/[0-9.]* 200"'

# Exec form: java is PID 1 and gets SIGTERM directly (Spring's graceful shutdown).
# MaxRAMPercentage sizes the heap from the container's memory limit; on OOM, exit and let the
# orchestrator restart the container rather than limp on.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/app.jar"]
