package io.xsnap.render;

import io.xsnap.plan.Plan;
import java.io.PrintWriter;

/** One way of showing a plan to its reader. */
public interface PlanView {
    void render(Plan plan, PrintWriter out);
}
