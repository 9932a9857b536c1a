package io.xsnap.plan;

/**
 * A plan saved by {@code plan --out FILE}, with the fingerprint of the observation it was made from;
 * {@code apply FILE} runs exactly this plan, and only while the host still has that fingerprint.
 */
public record SavedPlan(int formatVersion, String kind, String fingerprint, Plan plan) {
    public static final String KIND = "xsnap-saved-plan";

    public static SavedPlan of(Plan plan, String fingerprint) {
        return new SavedPlan(1, KIND, fingerprint, plan);
    }
}
