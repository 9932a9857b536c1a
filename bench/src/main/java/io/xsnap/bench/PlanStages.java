package io.xsnap.bench;

import io.xsnap.observe.Actual;
import io.xsnap.observe.Json;
import io.xsnap.observe.StoreLayout;
import io.xsnap.plan.Plan;
import io.xsnap.plan.Planner;
import io.xsnap.render.TextPlanView;
import io.xsnap.spec.Desired;
import io.xsnap.spec.SpecLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/** Times the stages of {@code xsnap plan --state} in one JVM, first run (cold) and a later one (warm). */
public final class PlanStages {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String only = args.length > 2 ? args[2] : "";
        if (only.equals("state")) {
            byte[] bytes = Files.readAllBytes(dir.resolve("state.json"));
            JsonMapper json = Json.mapper();
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                Actual actual = io.xsnap.observe.StateReader.actual(bytes);
                System.out.printf("state %d ms (%d images)%n", ms(System.nanoTime() - t0), actual.images().size());
            }
            return;
        }
        if (only.equals("specs")) {
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                Desired desired = new SpecLoader().load(List.of(dir.resolve("specs")));
                System.out.printf("specs %d ms (%d domains)%n", ms(System.nanoTime() - t0), desired.domains().size());
            }
            return;
        }
        if (only.equals("plan")) {
            Desired desired = new SpecLoader().load(List.of(dir.resolve("specs")));
            Actual actual = io.xsnap.observe.StateReader.actual(Files.readAllBytes(dir.resolve("state.json")));
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                long c0 = cpu();
                Plan plan = new Planner(new StoreLayout(dir.resolve("store")), Instant.now()).plan(desired, actual);
                System.out.printf("plan %d ms, cpu %d ms (%d changes)%n", ms(System.nanoTime() - t0), ms(cpu() - c0),
                        plan.changes().size());
            }
            return;
        }
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            long c0 = cpu();
            Desired desired = new SpecLoader().load(List.of(dir.resolve("specs")));
            long t1 = System.nanoTime();
            long c1 = cpu();
            Actual actual = io.xsnap.observe.StateReader.actual(Files.readAllBytes(dir.resolve("state.json")));
            long t2 = System.nanoTime();
            long c2 = cpu();
            Plan plan = new Planner(new StoreLayout(dir.resolve("store")), Instant.now()).plan(desired, actual);
            long t3 = System.nanoTime();
            long c3 = cpu();
            StringWriter out = new StringWriter();
            new TextPlanView().render(plan, new PrintWriter(out));
            long t4 = System.nanoTime();
            long c4 = cpu();
            System.out.printf("round %d: specs %d ms, state %d ms, plan %d ms, render %d ms (%d changes); "
                    + "cpu of this thread: %d, %d, %d, %d ms%n", r, ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3),
                    plan.changes().size(), ms(c1 - c0), ms(c2 - c1), ms(c3 - c2), ms(c4 - c3));
        }
    }

    private static long cpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
