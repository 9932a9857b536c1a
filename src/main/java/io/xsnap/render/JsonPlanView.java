package io.xsnap.render;

import io.xsnap.observe.Json;
import io.xsnap.plan.Change;
import io.xsnap.plan.Finding;
import io.xsnap.plan.Plan;
import java.io.PrintWriter;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/** The machine view (schemas/plan-v1.schema.json): format_version, changes[], findings[], summary. */
public final class JsonPlanView implements PlanView {
    private final JsonMapper json;

    public JsonPlanView(JsonMapper json) {
        this.json = json;
    }

    public JsonPlanView() {
        this(Json.mapper());
    }

    @Override
    public void render(Plan plan, PrintWriter out) {
        out.println(json.writeValueAsString(document(plan)));
        out.flush();
    }

    /** The plan as a document: what {@code plan --out} saves and {@code apply FILE} reads back. */
    public static Document document(Plan plan) {
        return new Document(plan.formatVersion(), plan.createdAt().toString(), plan.driver(), plan.changes(),
                plan.findings(), plan.summary(), !plan.changes().isEmpty());
    }

    /** The JSON shape; field order is the output order. */
    public record Document(int formatVersion, String createdAt, String driver, List<Change> changes,
                           List<Finding> findings, Plan.Summary summary, boolean changesPresent) {
    }
}
