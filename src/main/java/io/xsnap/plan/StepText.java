package io.xsnap.plan;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The words of a plan's steps: each {@link Step} as the line {@code xsnap plan} shows and the plan JSON, saved
 * plans and the journal keep in a change's {@code steps}. The planners decide the steps; only this class words
 * them. It sits in plan/ and not in render/ because those lines are part of the saved-plan and journal formats,
 * written by apply/, which (like plan/) may not use render/.
 */
public final class StepText {
    private StepText() {
    }

    /** The lines of {@code steps}, in order. */
    public static List<String> lines(List<Step> steps) {
        return steps.stream().map(StepText::of).toList();
    }

    /** One step's line. A chain of {@code instanceof} patterns: Java 17 has no pattern matching for switch. */
    public static String of(Step step) {
        String line = createOrRevert(step);
        if (line == null) {
            line = delete(step);
        }
        if (line == null) {
            line = cloneOrDeleteClone(step);
        }
        if (line == null) {
            line = backup(step);
        }
        if (line == null) {
            throw new IllegalArgumentException("no words for " + step);
        }
        return line;
    }

    private static String createOrRevert(Step step) {
        if (step instanceof Step.NewLayer s) {
            return "qemu-img create -f qcow2 -b " + s.base() + " -F " + s.format() + " " + s.layer();
        } else if (step instanceof Step.Pause s) {
            return "pause " + s.domain() + (s.why() == null ? "" : " (" + s.why() + ")");
        } else if (step instanceof Step.SaveMemory s) {
            return saveMemory(s);
        } else if (step instanceof Step.Copy s) {
            return "copy: cp --reflink=always " + s.from() + " " + s.to();
        } else if (step instanceof Step.CutDisks s) {
            return "cut disks in one transaction: " + String.join("; ", s.cuts().stream().map(StepText::cut).toList());
        } else if (step instanceof Step.Resume s) {
            return "resume " + s.domain();
        } else if (step instanceof Step.WriteManifest s) {
            return "write manifest " + s.file();
        } else if (step instanceof Step.Stop s) {
            return "stop " + s.domain() + " (its current state is discarded)";
        } else if (step instanceof Step.ApplyTag s) {
            return "qemu-img snapshot -a " + s.tag() + " " + s.image();
        } else if (step instanceof Step.Start s) {
            return "start " + s.domain() + " from " + s.memory();
        } else if (step instanceof Step.ColdStart s) {
            return "cold-start " + s.domain() + " (disk-only snapshot: the guest boots from the reverted disks)";
        } else if (step instanceof Step.Leave s) {
            return "leave " + s.domain() + " " + s.state().word();
        }
        return null;
    }

    private static String saveMemory(Step.SaveMemory s) {
        return switch (s.how()) {
            case LIVE -> "pause " + s.domain() + ", cut its disks and save its memory of that instant live to "
                    + s.file() + " (QEMU background snapshot: the guest runs again once its RAM "
                    + "is write-protected; where QEMU refuses that for the guest's memory, e.g. file-backed RAM, "
                    + "pre-copy: memory copied while it runs, paused at the end)";
            case PAUSED_ALREADY -> "save memory to " + s.file() + " (" + s.domain() + " is paused already)";
            case XL_SAVE -> "save memory to " + s.file() + " with xl save -p (" + s.domain() + " suspends itself "
                    + "at the start of the save and stays paused)";
            case PAUSED_FIRST -> "save memory to " + s.file();
        };
    }

    private static String cut(Step.Cut cut) {
        if (cut instanceof Step.InternalCut c) {
            return c.vdev() + " internal '" + c.tag() + "' in " + c.image();
        } else if (cut instanceof Step.TemporaryCut c) {
            return c.vdev() + ": " + c.image() + " frozen, temporary layer " + c.layer();
        }
        Step.ExternalCut c = (Step.ExternalCut) cut;
        return c.vdev() + " external: " + c.image() + " frozen, new active layer " + c.overlay();
    }

    private static String delete(Step step) {
        if (step instanceof Step.RemoveFrozenCopy s) {
            return s.vdev() + ": remove the frozen copy " + s.copy() + " made for clones (none uses it now)";
        } else if (step instanceof Step.RemoveOutsideMemory s) {
            return "remove the memory file " + s.file() + " (outside the store, where the snapshot's cfgfile put it)";
        } else if (step instanceof Step.TagGone s) {
            return s.vdev() + ": internal snapshot '" + s.tag() + "' is already gone from " + s.image();
        } else if (step instanceof Step.DeleteTag s) {
            return "delete internal snapshot '" + s.tag() + "' from " + s.image();
        } else if (step instanceof Step.RemoveTagLayer s) {
            return s.vdev() + ": remove " + s.image() + ": a layer of the store that only held '" + s.tag()
                    + "' (in no chain, backing nothing, named by no other snapshot)";
        } else if (step instanceof Step.FrozenGone s) {
            return s.vdev() + ": frozen file " + s.frozen() + " is already gone";
        } else if (step instanceof Step.Unused s) {
            return s.vdev() + ": " + s.frozen() + " is no image's backing file any more";
        } else if (step instanceof Step.Keep s) {
            return keep(s);
        } else if (step instanceof Step.Commit s) {
            return "commit " + s.above() + " into " + s.frozen() + (s.live() ? " (live block-commit)" : "") + costs(s.costs());
        } else if (step instanceof Step.Stream s) {
            return "stream " + s.frozen() + " into " + s.above() + (s.live() ? " (live block-stream)" : "")
                    + costs(s.costs()) + (s.frozenStays() ? "; " + s.frozen()
                    + " stays, backing nothing, for the internal snapshots in it" : "");
        }
        return null;
    }

    private static String cloneOrDeleteClone(Step step) {
        if (step instanceof Step.CopyOutTag s) {
            return "qemu-img convert -U -l snapshot.name=" + s.tag() + " -O qcow2 " + s.image() + " " + s.copy();
        } else if (step instanceof Step.ReflinkCopy s) {
            return "cp --reflink=always " + s.from() + " " + s.to();
        } else if (step instanceof Step.DeriveStart s) {
            return "derive " + s.domain() + "'s start from " + s.source() + "'s: new name, disks, MAC addresses and UUID";
        } else if (step instanceof Step.WriteRecord s) {
            return "write " + s.file();
        } else if (step instanceof Step.StartClone s) {
            return (s.memory() != null ? "start " + s.domain() + " from " + s.memory() : "cold-start " + s.domain())
                    + ", left " + s.state().word();
        } else if (step instanceof Step.Destroy s) {
            return "destroy " + s.domain() + " (its current state is discarded)";
        } else if (step instanceof Step.RemoveOverlay s) {
            return s.vdev() + ": remove " + s.overlay() + "; " + s.base() + " stays";
        } else if (step instanceof Step.RemoveDomainDir s) {
            return "remove " + s.dir() + " when nothing else is in it";
        }
        return null;
    }

    private static String backup(Step step) {
        if (step instanceof Step.PauseForCopies s) {
            return "pause " + s.domain() + " briefly: raw disk " + String.join(", ", s.vdevs())
                    + " is copied while it is paused";
        } else if (step instanceof Step.BackupCut s) {
            return "cut disks in one transaction" + (s.paused() ? "" : " (no pause)") + ": "
                    + String.join("; ", s.cuts().stream().map(StepText::cut).toList());
        } else if (step instanceof Step.WriteTemporaryManifest s) {
            return "write the temporary snapshot's manifest " + s.file();
        } else if (step instanceof Step.Export s) {
            return "qemu-img convert " + (s.compress() ? "-c " : "") + "-O " + s.format() + " " + s.from() + " " + s.to();
        } else if (step instanceof Step.WriteBackupManifest s) {
            return "sha256 of each exported file; write " + s.file();
        } else if (step instanceof Step.DeleteTemporary s) {
            return "delete the temporary snapshot " + s.snapshot() + ": "
                    + (s.commits() ? "commit each temporary layer back into the file below (live block-commit)" : "")
                    + (s.commits() && s.copies() ? "; " : "") + (s.copies() ? "remove the reflink copies" : "");
        }
        return null;
    }

    private static String keep(Step.Keep s) {
        String head = s.vdev() + ": keep " + s.frozen();
        Step.KeepWhy why = s.why();
        if (why instanceof Step.NotInStore) {
            return head + " (not in the store)";
        } else if (why instanceof Step.NamedByOthers w) {
            return head + " (also named by " + String.join(", ", w.snapshots()) + ")";
        } else if (why instanceof Step.BacksImages w) {
            return head + " (backing file of " + w.images().size() + " images: " + paths(w.images()) + ")";
        } else if (why instanceof Step.HoldsTags w) {
            return head + " (it holds internal snapshots: " + quoted(w.tags()) + ")";
        } else if (why instanceof Step.SharedAbove w) {
            return head + " (" + w.above() + " above it is shared by several chains)";
        } else if (why instanceof Step.AboveHoldsTags w) {
            return head + " in the chain: " + w.above() + " above it holds internal snapshots (" + quoted(w.tags())
                    + ") that a commit would remove and a stream would change";
        }
        Step.AboveMustStay w = (Step.AboveMustStay) why;
        return head + " (not in the store, and " + w.above() + " must stay)";
    }

    private static String costs(Step.Costs c) {
        return c == null ? "" : " (copies " + mib(c.copies()) + "; the other way " + mib(c.otherWay()) + ")";
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String quoted(List<String> tags) {
        return String.join(", ", tags.stream().map(t -> "'" + t + "'").toList());
    }

    private static String paths(List<Path> paths) {
        return String.join(", ", paths.stream().map(Path::toString).toList());
    }
}
