package io.xsnap.render;

import io.xsnap.plan.Change;
import io.xsnap.plan.Finding;
import io.xsnap.plan.Plan;
import java.io.PrintWriter;

/** The plan as Markdown, for a pull request comment: a summary, a table of changes, details folded. */
public final class MarkdownPlanView implements PlanView {
    @Override
    public void render(Plan plan, PrintWriter out) {
        Plan.Summary s = plan.summary();
        out.printf("### xsnap plan: %d to create, %d to revert, %d to delete%s%n%n", s.create(), s.revert(), s.delete(),
                s.errors() > 0 ? ", " + s.errors() + (s.errors() == 1 ? " error" : " errors") : "");
        if (plan.changes().isEmpty()) {
            out.println(s.errors() > 0 ? "Nothing can be applied until the errors are fixed." : "No changes. The host matches the specs.");
        } else {
            out.println("| | snapshot | impact | why |");
            out.println("|---|---|---|---|");
            for (Change c : plan.changes()) {
                out.printf("| %s %s | `%s` | %s | %s |%n", c.action().symbol(), c.action().word(), c.address(),
                        c.impact().word(), cell(c.reason()));
            }
            out.println();
            out.println("<details><summary>Steps</summary>");
            out.println();
            out.println("```");
            for (Change c : plan.changes()) {
                out.println(c.action().symbol() + " " + c.address());
                c.steps().forEach(step -> out.println("    > " + step));
                c.removes().forEach(p -> out.println("    ! deletes " + p));
            }
            out.println("```");
            out.println();
            out.println("</details>");
        }
        if (!plan.findings().isEmpty()) {
            out.println();
            for (Finding f : plan.findings()) {
                out.printf("- **%s** `%s%s`: %s%s%n", f.kind().word(), f.domain(), f.snapshot() == null ? "" : "/" + f.snapshot(),
                        cell(f.message()), f.fix() == null ? "" : " — fix: " + cell(f.fix()));
            }
        }
        out.flush();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
