package io.xsnap;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.xsnap.testing.Ansible;
import io.xsnap.testing.BusyGuest;
import io.xsnap.testing.GuestLab;
import io.xsnap.testing.GuestTest;
import io.xsnap.testing.RamGuest;
import io.xsnap.testing.TestGuest;
import io.xsnap.testing.XenGuest;
import io.xsnap.testing.XenLab;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The arrows of STYLE.md point one way: cli → apply / render → plan → spec, observe → image reader, host; the
 * host's tools (exec, qmp, qemu, qemuimg, xl) are reached from cli, apply and render only; no package cycles.
 * And every test that starts a guest carries the {@code guest} tag, so {@code mvn test -Dgroups=unit} runs
 * without QEMU.
 */
class ArchitectureTest {
    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.xsnap");
    static final JavaClasses TESTS = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS).importPackages("io.xsnap");

    private static final String[] TOOLS = {"io.xsnap.host.exec..", "io.xsnap.host.qmp..", "io.xsnap.host.qemu..",
            "io.xsnap.host.qemuimg..", "io.xsnap.host.xl.."};

    /**
     * The layers and what each may use. plan/ may use spec/ (what is wanted), observe/ (what is there), the
     * host's data records (io.xsnap.host: DomainInfo, DiskInfo, RunState, RestartRecipe) and the image reader's
     * records (io.xsnap.host.image: ImageInfo, InternalSnapshot), and nothing that runs a tool. render/ may use
     * the xl tool package for the records of an xl save file's header ({@code xsnap images}). apply/ may use spec/
     * (the reconcile loop of issue #17 plans from the desired state there), though today it does not.
     */
    @Test
    void layersUseOnlyTheLayersBelowThem() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("io.xsnap.cli..")
                .layer("apply").definedBy("io.xsnap.apply..")
                .layer("render").definedBy("io.xsnap.render..")
                .layer("plan").definedBy("io.xsnap.plan..")
                .layer("spec").definedBy("io.xsnap.spec..")
                .layer("observe").definedBy("io.xsnap.observe..")
                .layer("host tools").definedBy(TOOLS)
                .layer("image reader").definedBy("io.xsnap.host.image..")
                .layer("host").definedBy("io.xsnap.host")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("apply").mayOnlyAccessLayers("plan", "spec", "observe", "host tools", "image reader", "host")
                .whereLayer("render").mayOnlyAccessLayers("plan", "spec", "observe", "host tools", "image reader", "host")
                .whereLayer("plan").mayOnlyAccessLayers("spec", "observe", "image reader", "host")
                .whereLayer("observe").mayOnlyAccessLayers("image reader", "host")
                .whereLayer("spec").mayNotAccessAnyLayer()
                .whereLayer("host tools").mayOnlyAccessLayers("image reader", "host")
                .whereLayer("image reader").mayOnlyAccessLayers("host")
                .whereLayer("host").mayNotAccessAnyLayer()
                .check(CLASSES);
    }

    /** A new package is placed in a layer first (else the layer rule above would not see it). */
    @Test
    void everyClassIsInALayer() {
        classes().should().resideInAnyPackage("io.xsnap.cli..", "io.xsnap.apply..", "io.xsnap.render..",
                "io.xsnap.plan..", "io.xsnap.spec..", "io.xsnap.observe..", "io.xsnap.host..").check(CLASSES);
    }

    /** Every package, subpackages apart ({@code host.qemu} and {@code host.qmp} are two), is free of cycles. */
    @Test
    void noPackageCycles() {
        slices().matching("io.xsnap.(**)").should().beFreeOfCycles().check(CLASSES);
    }

    /**
     * A test class that uses a guest fixture (itself or through a helper class of the tests) carries the
     * {@code guest} tag ({@link GuestTest}, directly or from a superclass such as {@code OnGuests}).
     */
    @Test
    void everyTestOnGuestsIsTagged() {
        List<Class<?>> fixtures = List.of(GuestLab.class, XenLab.class, TestGuest.class, RamGuest.class, BusyGuest.class,
                XenGuest.class, Ansible.class);
        DescribedPredicate<JavaClass> fixture = DescribedPredicate.describe("a guest fixture",
                c -> fixtures.stream().anyMatch(f -> c.isEquivalentTo(f)));
        DescribedPredicate<JavaClass> untaggedTest = DescribedPredicate.describe("test classes without the guest tag",
                c -> isTestClass(c) && !tagged(c));
        noClasses().that(untaggedTest).should().transitivelyDependOnClassesThat(fixture)
                .because("mvn test -Dgroups=unit must run without QEMU: tag the class @GuestTest")
                .check(TESTS);
    }

    private static boolean isTestClass(JavaClass c) {
        if (c.getPackageName().equals("io.xsnap.testing") || c.isEquivalentTo(ArchitectureTest.class)) {
            return false;   // the fixtures themselves, and this class, which names them
        }
        return c.getSimpleName().endsWith("Test") || c.getSimpleName().endsWith("IT")
                || c.getMethods().stream().anyMatch(m -> m.isAnnotatedWith(Test.class)
                        || m.isMetaAnnotatedWith("org.junit.jupiter.api.TestTemplate")
                        || m.isMetaAnnotatedWith("org.junit.jupiter.api.TestFactory"));
    }

    private static boolean tagged(JavaClass c) {
        for (JavaClass k = c; k != null; k = k.getRawSuperclass().orElse(null)) {
            if (k.isAnnotatedWith(GuestTest.class)) {
                return true;
            }
        }
        return c.getEnclosingClass().map(ArchitectureTest::tagged).orElse(false);
    }

    @Test
    void hostKnowsNothingOfPlansSpecsOrTheCommandLine() {
        noClasses().that().resideInAPackage("io.xsnap.host..")
                .should().dependOnClassesThat().resideInAnyPackage("io.xsnap.plan..", "io.xsnap.apply..", "io.xsnap.cli..",
                        "io.xsnap.spec..", "io.xsnap.render..", "io.xsnap.observe..")
                .check(CLASSES);
    }

    @Test
    void thePlannerIsPureAndDependsOnlyOnModels() {
        noClasses().that().resideInAPackage("io.xsnap.plan..")
                .should().dependOnClassesThat().resideInAnyPackage("io.xsnap.apply..", "io.xsnap.cli..", "io.xsnap.render..",
                        "io.xsnap.host.exec..", "io.xsnap.host.qmp..", "io.xsnap.host.qemu..", "io.xsnap.host.qemuimg..",
                        "io.xsnap.host.xl..", "java.nio.channels..", "java.io..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("io.xsnap.plan..")
                .should().callMethod(java.nio.file.Files.class, "exists", java.nio.file.Path.class, java.nio.file.LinkOption[].class)
                .check(CLASSES);
    }

    @Test
    void applyObserveAndSpecDoNotReachUp() {
        noClasses().that().resideInAnyPackage("io.xsnap.apply..", "io.xsnap.observe..", "io.xsnap.spec..", "io.xsnap.render..")
                .should().dependOnClassesThat().resideInAPackage("io.xsnap.cli..")
                .check(CLASSES);
        noClasses().that().resideInAnyPackage("io.xsnap.observe..", "io.xsnap.spec..")
                .should().dependOnClassesThat().resideInAnyPackage("io.xsnap.plan..", "io.xsnap.apply..")
                .check(CLASSES);
    }

    @Test
    void onlyTheCommandLinePrints() {
        noClasses().that().resideOutsideOfPackage("io.xsnap.cli..")
                .should().accessField(System.class, "out").orShould().accessField(System.class, "err")
                .check(CLASSES);
    }
}
