package io.xsnap.render;

import io.xsnap.host.RunState;
import io.xsnap.observe.CutMode;
import io.xsnap.plan.Change;
import io.xsnap.plan.DiskChange;
import io.xsnap.plan.Finding;
import io.xsnap.plan.Plan;
import java.io.PrintWriter;

/** The human view, in the manner of {@code terraform plan}: a symbol per change, steps, and a summary line. */
public final class TextPlanView implements PlanView {
    @Override
    public void render(Plan plan, PrintWriter out) {
        if (plan.changes().isEmpty() && !plan.hasErrors()) {
            out.println("No changes. The host matches the specs.");
        } else if (!plan.changes().isEmpty()) {
            boolean recover = plan.changes().stream().anyMatch(c -> c.action() == io.xsnap.plan.Action.RECOVER);
            boolean more = plan.changes().stream().anyMatch(c -> c.action() == io.xsnap.plan.Action.CLONE
                    || c.action() == io.xsnap.plan.Action.DELETE_CLONE || c.action() == io.xsnap.plan.Action.BACKUP);
            out.println("xsnap will perform these changes (" + (recover ? "* recover, " : "")
                    + "+ create, ~ revert, - delete" + (more ? ", > clone, ^ backup" : "") + "):");
        }
        for (Change c : plan.changes()) {
            out.println();
            out.printf("  %s %s  [%s] %s%n", c.action().symbol(), c.address(), c.impact().word(), describe(c));
            out.println("      # " + c.reason());
            for (DiskChange d : c.disks()) {
                out.println("      disk " + d.vdev() + ": " + d.mode().word() + detail(d));
            }
            for (String step : c.steps()) {
                out.println("      > " + step);
            }
            for (java.nio.file.Path p : c.removes()) {
                out.println("      ! deletes " + p);
            }
        }
        for (Finding.Kind kind : Finding.Kind.values()) {
            var list = plan.findings().stream().filter(f -> f.kind() == kind).toList();
            if (list.isEmpty()) {
                continue;
            }
            out.println();
            out.println(heading(kind));
            for (Finding f : list) {
                out.println("  - " + f.domain() + (f.snapshot() == null ? "" : "/" + f.snapshot()) + ": " + f.message());
                if (f.fix() != null) {
                    out.println("    fix: " + f.fix());
                }
            }
        }
        Plan.Summary s = plan.summary();
        out.println();
        long clones = plan.changes().stream().filter(c -> c.action() == io.xsnap.plan.Action.CLONE).count();
        long backups = plan.changes().stream().filter(c -> c.action() == io.xsnap.plan.Action.BACKUP).count();
        long unclones = plan.changes().stream().filter(c -> c.action() == io.xsnap.plan.Action.DELETE_CLONE).count();
        out.printf("Plan: %s%d to create, %d to revert, %d to delete%s.%s%n",
                s.recover() > 0 ? s.recover() + " to recover, " : "", s.create(), s.revert(), s.delete(),
                (clones > 0 ? ", " + clones + " to clone" : "") + (unclones > 0 ? ", " + unclones + " clone to delete" : "")
                + (backups > 0 ? ", " + backups + " to back up" : ""),
                s.errors() > 0 ? " " + s.errors() + (s.errors() == 1 ? " error" : " errors") + ": nothing will be applied." : "");
        out.flush();
    }

    private static String describe(Change c) {
        return c.accept(new Change.Visitor<String, RuntimeException>() {
            @Override
            public String create(Change.Create c) {
                return (c.memory() ? (c.live() ? "memory (live) + disks" : "memory + disks") : "disks only")
                        + ", domain stays " + c.before().word();
            }

            @Override
            public String revert(Change.Revert c) {
                return (c.memory() ? "restore memory and disks" : "disks only, cold start")
                        + ", domain left " + c.after().word();
            }

            @Override
            public String delete(Change.Delete c) {
                return c.memory() ? "memory + disks" : "disks only";
            }

            @Override
            public String recover(Change.Recover c) {
                return switch (c.recovers().outcome()) {
                    case FINISH -> "finish the interrupted " + c.recovers().action().word();
                    case UNDO -> "undo the interrupted " + c.recovers().action().word();
                    case RESUME -> "resume the domain an interrupted run left paused";
                    case CLOSE -> "nothing to do on the host; close the journal record";
                };
            }

            @Override
            public String clone(Change.Clone c) {
                return "new domain from " + c.source() + (c.start() == RunState.SHUTOFF ? ", not started"
                        : ", started " + c.start().word() + (c.memory() ? " from the snapshot's memory" : " (cold start)"));
            }

            @Override
            public String deleteClone(Change.DeleteClone c) {
                return "destroy the clone and remove its own overlays";
            }

            @Override
            public String backup(Change.Backup c) {
                return "disk-only cut, exported to " + c.export().dir() + " as " + c.export().format()
                        + (c.export().compress() ? " (compressed)" : "") + ", then merged back";
            }
        });
    }

    private static String detail(DiskChange d) {
        if (d.mode() == CutMode.EXCLUDED) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" ").append(d.image());
        if (d.tag() != null) {
            sb.append(" tag '").append(d.tag()).append('\'');
        }
        if (d.merge() != null) {
            sb.append(" merge ").append(d.merge().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (d.layer() != null) {
            sb.append(d.merge() != null ? " with " : " -> ").append(d.layer());
        }
        return sb.toString();
    }

    private static String heading(Finding.Kind kind) {
        return switch (kind) {
            case ERROR -> "Errors:";
            case DRIFT -> "Drift (managed snapshots whose files are broken):";
            case DIFFERS -> "Snapshots that differ from the spec (left as they are):";
            case UNMANAGED -> "Not managed by xsnap (left alone):";
        };
    }
}
