package io.xsnap.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test that starts real QEMU guests, the xl stand-in's domains (QEMU too) or ansible-playbook: JUnit tag
 * {@value #TAG}. {@code mvn test -Dgroups=unit} (or {@code -DexcludedGroups=guest}) runs every other test,
 * without QEMU. {@link OnGuests} and {@link OnXenLab} carry it, so their subclasses do; a test that uses a guest
 * fixture ({@link GuestLab}, {@link XenLab}, {@link TestGuest}, {@link Ansible}, ...) some other way carries it
 * itself, which {@code io.xsnap.ArchitectureTest} checks.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag(GuestTest.TAG)
public @interface GuestTest {
    String TAG = "guest";
}
