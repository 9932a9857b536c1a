package io.xsnap.cli;

import io.xsnap.host.DiskInfo;
import io.xsnap.host.DomainInfo;
import io.xsnap.host.image.ImageInfo;
import io.xsnap.observe.Actual;
import io.xsnap.observe.StoredSnapshot;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.SerializationFeature;

/** {@code xsnap observe}: what exists on this host. */
@Command(name = "observe", mixinStandardHelpOptions = true,
        description = "Show what exists on this host: domains, disks, image chains, stored snapshots. Changes nothing.")
public final class ObserveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions host;

    @Option(names = "--json", description = "Print the observed state as compact JSON (schemas/state-v1.schema.json), "
            + "for 'xsnap plan --state FILE'.")
    boolean json;

    @Override
    public Integer call() {
        HostContext ctx = new HostContext(host);
        Actual actual = ctx.observer(ctx.driver()).observe();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            // compact, like images --json: the state of a large host runs to tens of megabytes, a third of
            // them indentation that plan --state would have to read past (pipe it through jq to read it)
            out.println(ctx.json().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(actual));
        } else {
            printText(actual, out);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static void printText(Actual a, PrintWriter out) {
        out.println("Driver: " + a.driver());
        out.println("Domains: " + a.domains().size());
        for (DomainInfo d : a.domains()) {
            out.printf("  %s (id %d) %s%n", d.name(), d.id(), d.state().word());
            for (DiskInfo disk : d.disks()) {
                out.printf("    %-6s %-5s %s%s%n", disk.vdev(), disk.format(), disk.path(), disk.readOnly() ? " (ro)" : "");
            }
        }
        out.println("Images: " + a.images().size());
        for (ImageInfo i : a.images()) {
            out.printf("  %s %s%s, %d snapshot(s)%n", i.path(), i.format(),
                    i.backingPath() == null ? "" : " <- backing " + i.backingPath(), i.snapshots().size());
        }
        out.println("Stored snapshots: " + a.snapshots().size());
        for (StoredSnapshot s : a.snapshots()) {
            out.printf("  %s/%s %s%n", s.domain(), s.name(), s.manifest().memory() == null ? "disk-only" : "memory");
        }
        for (String i : a.incomplete()) {
            out.println("  incomplete: " + i);
        }
        for (String p : a.problems()) {
            out.println("Problem: " + p);
        }
    }
}
