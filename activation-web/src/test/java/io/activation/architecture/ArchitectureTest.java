package io.activation.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import fixtures.architecture.EntityLeak;
import fixtures.architecture.LeakyEntity;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import jakarta.persistence.Embeddable;
import jakarta.persistence.Entity;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RestController;

/**
 * The module rules of ARCHITECTURE.md, checked on the compiled main classes of every module: dependencies point
 * one way ({@code web → api → core}, {@code web → channels → core}), the core knows no HTTP and no provider SDK,
 * no JPA entity crosses HTTP, and the core's feature packages form no cycle.
 */
class ArchitectureTest {

    private static final String API = "io.activation.api..";
    private static final String CHANNELS = "io.activation.channels..";
    private static final String WEB = "io.activation.web..";

    /** Everything of the platform that is not api, channels or web is core (new feature packages included). */
    static final DescribedPredicate<JavaClass> CORE = resideInAPackage("io.activation..")
            .and(not(resideInAnyPackage(API, CHANNELS, WEB))).as("core");

    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.activation");

    static final ArchRule CORE_DEPENDS_ON_NO_OUTER_MODULE = noClasses().that(CORE).should().dependOnClassesThat()
            .resideInAnyPackage(API, CHANNELS, WEB)
            .because("core depends on none of api, channels or web");

    static final ArchRule CORE_KNOWS_NO_HTTP_AND_NO_PROVIDER_SDK = noClasses().that(CORE).should()
            .dependOnClassesThat().resideInAnyPackage("org.springframework.web..", "org.springframework.http..",
                    "jakarta.servlet..", "com.twilio..", "com.google.firebase..", "jakarta.mail..")
            .because("the core knows no HTTP and no provider SDK");

    @Test
    void theImportSeesEveryModule() {
        assertThat(MAIN.contain("io.activation.ingest.Ingestion")).isTrue();
        assertThat(MAIN.contain("io.activation.api.web.Problems")).isTrue();
        assertThat(MAIN.contain("io.activation.web.ActivationApplication")).isTrue();
        assertThat(MAIN.stream().filter(CORE::test).count()).isGreaterThan(40);
        assertThat(MAIN.stream().map(JavaClass::getName)).noneMatch(n -> n.startsWith("io.activation.testing"))
                .noneMatch(n -> n.endsWith("Test"));
    }

    @Test
    void dependenciesPointOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("core").definedBy(CORE)
                .layer("api").definedBy(API)
                .layer("channels").definedBy(CHANNELS)
                .layer("web").definedBy(WEB)
                .whereLayer("web").mayNotBeAccessedByAnyLayer()
                .whereLayer("api").mayOnlyBeAccessedByLayers("web")
                .whereLayer("channels").mayOnlyBeAccessedByLayers("web")
                .whereLayer("core").mayOnlyBeAccessedByLayers("api", "channels", "web")
                .withOptionalLayers(true)
                .check(MAIN);
    }

    @Test
    void coreDependsOnNoOtherModule() {
        CORE_DEPENDS_ON_NO_OUTER_MODULE.check(MAIN);
    }

    @Test
    void coreKnowsNoHttpAndNoProviderSdk() {
        CORE_KNOWS_NO_HTTP_AND_NO_PROVIDER_SDK.check(MAIN);
    }

    @Test
    void apiDependsOnNeitherWebNorChannels() {
        noClasses().that().resideInAPackage(API).should().dependOnClassesThat().resideInAnyPackage(WEB, CHANNELS)
                .check(MAIN);
    }

    @Test
    void channelsDependOnNeitherApiNorWebAndOnlyOnTheDeliverySpiOfTheCore() {
        // Empty today (senders come with the delivery feature); the rules hold from the first class on.
        noClasses().that().resideInAPackage(CHANNELS).should().dependOnClassesThat().resideInAnyPackage(API, WEB)
                .allowEmptyShould(true).check(MAIN);
        noClasses().that().resideInAPackage(CHANNELS).should().dependOnClassesThat(CORE
                        .and(not(resideInAnyPackage("io.activation.delivery.spi..", "io.activation.platform.."))))
                .because("senders plug in through the delivery SPI (and may use the platform kernel: roles, clock)")
                .allowEmptyShould(true).check(MAIN);
    }

    @Test
    void noJpaEntityCrossesHttp() {
        fields().that().areDeclaredInClassesThat().resideInAPackage(API).should(notInvolveAnEntity())
                .check(MAIN);
        methods().that().areDeclaredInClassesThat().resideInAPackage(API)
                .and().areDeclaredInClassesThat().areAnnotatedWith(RestController.class)
                .should(notInvolveAnEntity())
                .check(MAIN);
        methods().that().areDeclaredInClassesThat().resideInAPackage(API)
                .and().areDeclaredInClassesThat().areAnnotatedWith(Controller.class)
                .should(notInvolveAnEntity()).allowEmptyShould(true)
                .check(MAIN);
    }

    @Test
    void coreFeaturePackagesFormNoCycle() {
        Set<String> coreSlices = new HashSet<>();
        com.tngtech.archunit.library.dependencies.Slices.matching("io.activation.(*)..").transform(MAIN)
                .forEach(slice -> {
                    if (CORE_SLICE.test(slice)) {
                        coreSlices.add(slice.getNamePart(1));
                    }
                });
        assertThat(coreSlices).contains("platform", "access", "contact", "datamodel", "ingest")
                .doesNotContain("api", "web", "channels");
        slices().matching("io.activation.(*)..").that(CORE_SLICE).should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void apiFeaturePackagesFormNoCycle() {
        slices().matching("io.activation.api.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theRulesSeeAViolation() {
        JavaClasses fixture = new ClassFileImporter().importClasses(ViolatingCoreClass.class, EntityLeak.class,
                LeakyEntity.class);
        EvaluationResult outer = CORE_DEPENDS_ON_NO_OUTER_MODULE.evaluate(fixture);
        assertThat(outer.hasViolation()).isTrue();
        assertThat(outer.getFailureReport().toString()).contains("io.activation.api.web.ApiPrincipal");
        EvaluationResult http = CORE_KNOWS_NO_HTTP_AND_NO_PROVIDER_SDK.evaluate(fixture);
        assertThat(http.getFailureReport().toString()).contains("jakarta.servlet.http.HttpServletRequest");
        EvaluationResult leak = fields().should(notInvolveAnEntity()).evaluate(fixture);
        assertThat(leak.getFailureReport().toString()).contains("EntityLeak.entities");
        EvaluationResult leakByMethod = methods().that().areDeclaredIn(EntityLeak.class)
                .should(notInvolveAnEntity()).evaluate(fixture);
        assertThat(leakByMethod.getFailureReport().toString()).contains("EntityLeak.load", "EntityLeak.save");
    }

    private static final DescribedPredicate<com.tngtech.archunit.library.dependencies.Slice> CORE_SLICE =
            DescribedPredicate.describe("in core", slice -> slice.stream().anyMatch(CORE::test)
                    && slice.stream().allMatch(CORE::test));

    /** Neither the type itself nor any type argument of it is a JPA entity or embeddable. */
    static <T> ArchCondition<T> notInvolveAnEntity() {
        return new ArchCondition<>("not involve a JPA @Entity or @Embeddable type") {
            @Override
            public void check(T item, ConditionEvents events) {
                Set<JavaClass> involved = new HashSet<>();
                if (item instanceof JavaField field) {
                    involved.addAll(field.getType().getAllInvolvedRawTypes());
                } else if (item instanceof JavaMethod method) {
                    involved.addAll(method.getReturnType().getAllInvolvedRawTypes());
                    method.getParameterTypes().stream().map(JavaType::getAllInvolvedRawTypes)
                            .forEach(involved::addAll);
                }
                Stream<JavaClass> entities = involved.stream().filter(c -> c.isAnnotatedWith(Entity.class)
                        || c.isAnnotatedWith(Embeddable.class));
                entities.forEach(entity -> events.add(SimpleConditionEvent.violated(item,
                        item + " involves the JPA type " + entity.getName())));
            }
        };
    }
}
