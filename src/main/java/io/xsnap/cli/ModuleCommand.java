package io.xsnap.cli;

import io.xsnap.apply.Reconciler;
import io.xsnap.apply.RunListener;
import io.xsnap.host.HostException;
import io.xsnap.host.RunState;
import io.xsnap.observe.Actual;
import io.xsnap.observe.Json;
import io.xsnap.plan.Finding;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import io.xsnap.spec.Desired;
import io.xsnap.spec.DiskMode;
import io.xsnap.spec.DomainSpec;
import io.xsnap.spec.Presence;
import io.xsnap.spec.SnapshotSpec;
import io.xsnap.spec.SourceRef;
import io.xsnap.spec.SpecException;
import io.xsnap.spec.SpecLoader;
import io.xsnap.spec.SpecProblem;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * {@code xsnap module}: the interface of the Ansible collection {@code xsnap.xen}. Reads one JSON request,
 * {@code {"module": "snapshot"|"reconcile"|"snapshot_info", "check_mode": bool, "params": {...}}}, and prints
 * one JSON result ({@link ModuleResult}). Changes go the CLI's one path ({@link Reconciler}); check mode only
 * observes and plans. Host options come as the usual command line options.
 */
@Command(name = "module", hidden = true, mixinStandardHelpOptions = true,
        description = {"The Ansible interface (collection xsnap.xen): reads one JSON request, prints one JSON result.",
            "Request: {\"module\": \"snapshot\"|\"reconcile\"|\"snapshot_info\", \"check_mode\": false, \"params\": {...}}"},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done (result printed)", "1:error, or a change failed", "64:bad request", "65:invalid spec",
            "66:missing input", "75:another xsnap run holds the lock", "76:refused (e.g. needs force)"})
public final class ModuleCommand extends ChangeCommand {
    /** What problems in module parameters are named after (the planner's reasons cite it). */
    static final String PARAMS = "module parameters";

    @Option(names = "--input", paramLabel = "FILE", defaultValue = "-",
            description = "Read the request from FILE (default: standard input).")
    String input;

    /** The request. */
    record Request(String module, boolean checkMode, JsonNode params) {
    }

    /** {@code xsnap.xen.snapshot}: one snapshot of one domain. */
    record SnapshotParams(String domain, String name, String description, String state, Boolean memory, Boolean live,
                          Map<String, String> disks, String revertState, boolean force, String xlConfig) {
    }

    /** {@code xsnap.xen.reconcile}: spec files, directories, YAML texts or documents. */
    record ReconcileParams(List<JsonNode> spec) {
    }

    /** {@code xsnap.xen.snapshot_info}: one domain or all. */
    record InfoParams(String domain) {
    }

    @Override
    public Integer call() {
        JsonMapper json = Json.mapper();
        ModuleResult result;
        try {
            result = dispatch(read(json), json);
        } catch (SpecException e) {
            List<String> problems = e.problems().stream().map(SpecProblem::toString).toList();
            result = ModuleResult.failed(ExitCodes.DATAERR, "invalid spec:\n" + String.join("\n", problems))
                    .withErrors(problems);
        } catch (XsnapExit e) {
            result = ModuleResult.failed(e.code(), e.code() == ExitCodes.LOCKED ? lockBusy() : e.getMessage());
        } catch (NoSuchFileException e) {
            result = ModuleResult.failed(ExitCodes.NOINPUT, e.getFile() + ": "
                    + (e.getReason() == null ? "no such file or directory" : e.getReason()));
        } catch (HostException e) {
            result = ModuleResult.failed(ExitCodes.ERROR, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            result = ModuleResult.failed(ExitCodes.ERROR, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(json.writeValueAsString(result));
        out.flush();
        return result.rc();
    }

    /** The lock message in the module's terms (the CLI's names its --lock-timeout). */
    private String lockBusy() {
        return "another xsnap run holds the lock of the store " + host.store + " (waited " + apply.lockTimeout.toSeconds()
                + " s; raise lock_timeout to wait longer)";
    }

    /**
     * A bad host option of {@code xsnap module} (the modules pass them as flags), as one JSON result naming the
     * module's option: {@code lock_timeout: 'soon' is not a duration ...}, not the usage text.
     */
    static int badOption(CommandLine.ParameterException ex) {
        String what = ex.getArgSpec() instanceof OptionSpec o
                ? o.longestName().replaceFirst("^-+", "").replace('-', '_') + ": " : "";
        String why = ex.getCause() instanceof CommandLine.TypeConversionException t && t.getMessage() != null
                ? t.getMessage() : ex.getMessage();
        PrintWriter out = ex.getCommandLine().getOut();
        out.println(Json.mapper().writeValueAsString(ModuleResult.failed(ExitCodes.USAGE, what + why)));
        out.flush();
        return ExitCodes.USAGE;
    }

    private Request read(JsonMapper json) throws IOException {
        try (InputStream in = "-".equals(input) ? System.in : Files.newInputStream(Path.of(input))) {
            Request r = json.readValue(in, Request.class);
            if (r == null || r.module() == null) {
                throw new XsnapExit(ExitCodes.USAGE, "the request names no module");
            }
            return r;
        } catch (JacksonException e) {
            throw new XsnapExit(ExitCodes.USAGE, "the request is not a JSON object of the expected shape: "
                    + e.getOriginalMessage());
        }
    }

    private ModuleResult dispatch(Request r, JsonMapper json) throws SpecException, IOException {
        HostContext ctx = new HostContext(host);
        return switch (r.module()) {
            case "snapshot" -> snapshot(ctx, params(r, SnapshotParams.class, json), r.checkMode());
            case "reconcile" -> reconcile(ctx, params(r, ReconcileParams.class, json), r.checkMode());
            case "snapshot_info" -> info(ctx, params(r, InfoParams.class, json));
            default -> throw new XsnapExit(ExitCodes.USAGE, "unknown module '" + r.module()
                    + "' (expected snapshot, reconcile or snapshot_info)");
        };
    }

    private static <T> T params(Request r, Class<T> type, JsonMapper json) {
        try {
            T p = json.treeToValue(r.params() == null ? json.createObjectNode() : r.params(), type);
            if (p == null) {
                throw new XsnapExit(ExitCodes.USAGE, "params must be an object");
            }
            return p;
        } catch (JacksonException e) {
            throw new XsnapExit(ExitCodes.USAGE, "bad params for " + r.module() + ": " + e.getOriginalMessage());
        }
    }

    private ModuleResult snapshot(HostContext ctx, SnapshotParams p, boolean checkMode) {
        requireName("domain", p.domain());
        requireName("name", p.name());
        String reserved = Names.snapshotProblem("name", p.name());
        if (reserved != null) {
            throw new XsnapExit(ExitCodes.USAGE, reserved);
        }
        String state = p.state() == null ? "present" : p.state();
        boolean memory = p.memory() == null || p.memory();
        boolean live = p.live() != null && p.live();
        if (live && !memory) {
            throw new XsnapExit(ExitCodes.USAGE, "live: true needs memory: true (a live snapshot copies memory)");
        }
        if (p.revertState() != null && !Set.of("running", "paused").contains(p.revertState())) {
            throw new XsnapExit(ExitCodes.USAGE, "revert_state must be running or paused, not " + p.revertState());
        }
        if (p.xlConfig() != null) {
            // xl: the file the domain was created from; a snapshot keeps its text, a revert restores with it
            if (!Path.of(p.xlConfig()).isAbsolute()) {
                throw new XsnapExit(ExitCodes.USAGE, "xl_config must be an absolute path, not '" + p.xlConfig() + "'");
            }
            ctx.xlConfig(p.domain(), Path.of(p.xlConfig()));
        }
        Set<String> domains = Set.of(p.domain());
        return switch (state) {
            case "present", "absent" -> {
                Desired desired = new Desired(List.of(new DomainSpec(p.domain(), List.of(new SnapshotSpec(p.name(),
                        p.description(), "absent".equals(state) ? Presence.ABSENT : Presence.PRESENT, memory, live,
                        modes(p.disks()), new SourceRef(PARAMS, 1, 1))), new SourceRef(PARAMS, 1, 1))));
                BiFunction<Actual, Instant, Plan> planner = (actual, now) -> new Planner(ctx.layout, now).plan(desired, actual);
                // the check is of the request, before the change: after deleting the last snapshot of a domain
                // that is gone, the re-plan that verifies the change must not find the domain missing
                yield changeAndReport(ctx, checkMode, domains, new Reconciler.Goal(checked(ctx, p, state, planner), planner));
            }
            case "reverted" -> changeAndReport(ctx, checkMode, domains, Reconciler.Goal.change(checked(ctx, p, state,
                    (actual, now) -> new Planner(ctx.layout, now).revert(actual, p.domain(), p.name(),
                            RunState.of(p.revertState()), p.force()))));
            default -> throw new XsnapExit(ExitCodes.USAGE, "state must be present, absent or reverted, not " + state);
        };
    }

    /**
     * The planner, behind the checks of what the snapshot module names, said in its options' terms: the
     * domain must be on the host (or, for absent and reverted, have snapshots in the store), and the snapshot
     * to revert to must exist.
     */
    private static BiFunction<Actual, Instant, Plan> checked(HostContext ctx, SnapshotParams p, String state,
                                                             BiFunction<Actual, Instant, Plan> planner) {
        return (actual, now) -> {
            boolean running = actual.domains().stream().anyMatch(d -> d.name().equals(p.domain()));
            List<String> stored = actual.snapshots().stream().filter(s -> s.domain().equals(p.domain()))
                    .map(s -> s.name()).toList();
            Finding missing = null;
            io.xsnap.observe.Damaged damaged = actual.damaged(p.domain(), p.name());
            if (!running && damaged != null && !stored.contains(p.name())) {
                // a stopped domain's record that nothing vouches for (invariant 8): say so, not "no snapshots"
                missing = new Finding(Finding.Code.DAMAGED_RECORD, p.domain(), p.name(), damaged.file() + " is damaged: "
                        + damaged.why(), "start " + p.domain() + " and run again, or repair the record by hand");
            } else if (!running && (stored.isEmpty() || "present".equals(state) && !stored.contains(p.name()))) {
                Set<String> known = new TreeSet<>(actual.domains().stream().map(d -> d.name()).toList());
                missing = new Finding(Finding.Kind.ERROR, p.domain(), p.name(), "domain " + p.domain()
                        + " does not exist on this host and has no snapshots in the store " + ctx.layout.root()
                        + "; the " + actual.driver() + " driver knows " + (known.isEmpty() ? "no domains"
                        : String.join(", ", known)), "check the domain option");
            } else if ("reverted".equals(state) && !stored.contains(p.name())) {
                missing = new Finding(Finding.Kind.ERROR, p.domain(), p.name(), "snapshot " + p.name() + " of "
                        + p.domain() + " does not exist in the store " + ctx.layout.root() + "; " + p.domain() + " has "
                        + (stored.isEmpty() ? "none" : String.join(", ", stored)),
                        "check the name option, or take it first with state: present");
            }
            return missing == null ? planner.apply(actual, now)
                    : new Plan(Plan.FORMAT_VERSION, now, actual.driver(), List.of(), List.of(missing));
        };
    }

    private static Map<String, DiskMode> modes(Map<String, String> disks) {
        Map<String, DiskMode> modes = new LinkedHashMap<>();
        if (disks != null) {
            disks.forEach((vdev, mode) -> {
                try {
                    modes.put(vdev, DiskMode.of(mode == null ? "" : mode));
                } catch (IllegalArgumentException e) {
                    throw new XsnapExit(ExitCodes.USAGE, "disks: " + vdev + ": mode must be internal, external, exclude "
                            + "or auto, not '" + mode + "'");
                }
            });
        }
        return modes;
    }

    private ModuleResult reconcile(HostContext ctx, ReconcileParams p, boolean checkMode) throws SpecException, IOException {
        if (p.spec() == null || p.spec().isEmpty()) {
            throw new XsnapExit(ExitCodes.USAGE, "spec: give at least one spec file, directory, YAML text or document");
        }
        YAMLMapper yaml = YAMLMapper.builder().disable(YAMLWriteFeature.WRITE_DOC_START_MARKER).build();
        List<Path> paths = new ArrayList<>();
        List<SpecLoader.Text> texts = new ArrayList<>();
        for (int i = 0; i < p.spec().size(); i++) {
            JsonNode item = p.spec().get(i);
            String name = "spec[" + i + "]";
            if (item.isString() && item.asString().contains("\n")) {
                texts.add(new SpecLoader.Text(name, item.asString()));
            } else if (item.isString() && !item.asString().isBlank()) {
                paths.add(Path.of(item.asString()));
            } else if (item.isObject()) {
                texts.add(new SpecLoader.Text(name, yaml.writeValueAsString(item)));
            } else {
                throw new XsnapExit(ExitCodes.USAGE, name + " must be a path, a YAML text or a spec document, not "
                        + item.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        Desired desired = new SpecLoader().load(paths, texts);
        desired.domains().forEach(d -> d.xlConfig().ifPresent(f -> ctx.xlConfig(d.domain(), f)));
        Set<String> domains = new TreeSet<>(desired.domains().stream().map(DomainSpec::domain).toList());
        desired.clones().forEach(c -> {
            domains.add(c.domain());
            domains.add(c.sourceDomain());
        });
        return changeAndReport(ctx, checkMode, domains,
                Reconciler.Goal.specs((actual, now) -> new Planner(ctx.layout, now).plan(desired, actual)));
    }

    private ModuleResult info(HostContext ctx, InfoParams p) {
        if (p.domain() != null) {
            requireName("domain", p.domain());
        }
        Actual actual = ctx.observer(ctx.driver()).observe();
        List<ListCommand.Entry> entries = ListCommand.entries(actual, ctx.layout, p.domain());
        return ModuleResult.info(entries, SnapshotLists.domains(actual, entries, p.domain()));
    }

    /**
     * Check mode plans only; otherwise the CLI's path applies, reporting into the result's log. The diff's
     * before is taken when the plan is made, before anything changes.
     */
    private ModuleResult changeAndReport(HostContext ctx, boolean checkMode, Set<String> domains, Reconciler.Goal goal) {
        AtomicReference<Map<String, SnapshotLists.DomainState>> before = new AtomicReference<>();
        BiFunction<Actual, Instant, Plan> recording = (actual, now) -> {
            Plan plan = goal.planner().apply(actual, now);
            before.set(SnapshotLists.before(actual, plan, ctx, domains));
            return plan;
        };
        if (checkMode) {
            Reconciler.Result r = ctx.reconciler(apply).planOnly(recording);
            return ModuleResult.of(r, true, SnapshotLists.diff(before.get(), r, ctx, domains, true), List.of());
        }
        Log log = new Log(spec.commandLine().getErr());
        Reconciler.Result r = ChangeRun.reconcile(ctx, apply, new Reconciler.Goal(recording, goal.verifier()), log);
        return ModuleResult.of(r, false, SnapshotLists.diff(before.get(), r, ctx, domains, false), log.lines);
    }

    /** The listener of a module run: the request is the confirmation; apply's lines go into the result's log. */
    private static final class Log implements RunListener {
        final List<String> lines = new ArrayList<>();
        private final PrintWriter err;

        Log(PrintWriter err) {
            this.err = err;
        }

        @Override
        public boolean confirm(Plan plan) {
            return true;
        }

        @Override
        public void say(String line) {
            lines.add(line);
        }

        @Override
        public io.xsnap.host.Progress progress() {
            return ChangeRun.progress(err);
        }
    }

    private static void requireName(String what, String value) {
        if (value == null) {
            throw new XsnapExit(ExitCodes.USAGE, what + " is required");
        }
        String problem = Names.problem(what, value);
        if (problem != null) {
            throw new XsnapExit(ExitCodes.USAGE, problem);
        }
    }
}
