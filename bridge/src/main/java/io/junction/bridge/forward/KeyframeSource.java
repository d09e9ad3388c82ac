package io.junction.bridge.forward;

/**
 * Who can make a {@link SourceTrack}'s publisher send a keyframe: its receive path, which sends the
 * PLI or FIR. Callers go through {@link SourceEncoding#requestKeyframe}, which throttles.
 */
public interface KeyframeSource {
    /** Any thread: ask for a keyframe of {@code encoding}, with a FIR when {@code fir}, else a PLI. */
    void requestKeyframe(SourceEncoding encoding, boolean fir);
}
