package io.xsnap.spec;

/** Whether a snapshot should exist. */
public enum Presence { PRESENT, ABSENT }
