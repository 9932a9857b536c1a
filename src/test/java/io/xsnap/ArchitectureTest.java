package io.xsnap;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The arrows of STYLE.md point one way: cli → everything; apply → plan + host; plan → spec and models; host → nothing of ours above it. */
class ArchitectureTest {
    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.xsnap");

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
