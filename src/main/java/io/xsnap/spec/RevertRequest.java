package io.xsnap.spec;

/**
 * A one-shot revert asked for in a spec: back to snapshot {@code to}, once per {@code id}.
 *
 * @param state "running", "paused", or null for the state the snapshot was taken in
 */
public record RevertRequest(String to, String id, String state, SourceRef source) {
}
