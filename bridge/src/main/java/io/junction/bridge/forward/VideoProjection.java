package io.junction.bridge.forward;

import io.junction.bridge.codec.FrameInfo;

/**
 * Turns the simulcast layers (and, in a scalable stream, the spatial layers) of one video source into
 * the single continuous stream one subscriber receives under its own SSRC. Per packet it decides
 * whether to forward (only the current layer, only temporal layers up to the target) and computes the forwarded packet's sequence number, timestamp,
 * picture id and TL0PICIDX (the codec writes the last two into the payload), so the receiver never sees a gap it would NACK, a duplicate, or a
 * picture id jump its decoder would take for a lost frame.
 *
 * <ul>
 *   <li>Layer (encoding) switches happen only at the first packet of a keyframe of the target layer;
 *       until one arrives the current layer goes on, and the caller asks the publisher for one
 *       ({@link #wantsKeyframe}).</li>
 *   <li>At a switch the output continues from the highest sequence number, picture id and TL0PICIDX
 *       sent, and the timestamp moves on by the wall-clock time since the last forwarded packet.
 *       Packets of the new layer older than the keyframe are dropped: they belong to frames the
 *       receiver cannot decode and would land on numbers already used.</li>
 *   <li>Dropping a temporal layer drops whole frames: later packets move down by the number of
 *       packets dropped, later picture ids by the number of frames (codecs whose picture ids index a
 *       fixed pattern, VP9, keep the gaps instead). Late packets (reordered, or
 *       repaired by the publisher's RTX) from before a drop keep their old offsets: the offsets are
 *       kept as a short list of breakpoints by input sequence number.</li>
 *   <li>Spatial layers of one stream (VP9 SVC) are dropped like temporal layers, and the RTP marker
 *       (end of picture) moves to the last packet of the highest layer forwarded. A receiver goes up a
 *       spatial layer at a keyframe; it goes down at the next picture when every layer depends on the
 *       one below (full SVC), else (k-SVC: lower layers are only forwarded in keyframe pictures) at a
 *       keyframe.</li>
 *   <li>A dependency descriptor (any codec) decides the layers instead of the payload descriptor: a
 *       lower spatial layer's frame goes when a decode target of the receiver's layer needs it, a
 *       temporal layer goes up at a frame that is a switch point of its decode target. Its frame
 *       numbers keep their gaps (frames refer to each other by difference) and continue across a
 *       switch of encoding.</li>
 * </ul>
 *
 * <p>Owned by the conference's packet worker (publisher and subscriber share it); no allocation per
 * packet.
 */
public final class VideoProjection implements StreamProjection {
    /** Forward every temporal layer. */
    public static final int ALL_TEMPORAL = 3;
    /** Forward every spatial layer (also what a stream without spatial layers gets). */
    public static final int ALL_SPATIAL = 7;
    /**
     * Added to the encoding index of a packet from the subscription's previous source while it moves
     * to another one (a viewer following the stage, {@link Subscription#retarget}): the previous
     * source's current layer goes on until the new source's keyframe, exactly like a layer switch.
     */
    public static final int LEAVING = 64;
    private static final int BREAKPOINTS = 16;
    /** Dropped packets whose places are remembered until the next forwarded one (for reordering). */
    private static final int PENDING = 64;

    // ---- the allocation (written by the allocator on the same worker) ----
    private int targetEncoding = -1;
    private int targetTemporal = ALL_TEMPORAL;
    private int targetSpatial = ALL_SPATIAL;

    // ---- the stream being forwarded ----
    private int currentEncoding = -1;
    private int currentTemporal = ALL_TEMPORAL;
    /** The highest spatial layer forwarded (a real layer index once known; -1 before). */
    private int currentSpatial = -1;
    /** A spatial switch of the current stream waits for a keyframe (see {@link #accept}). */
    private boolean spatialKeyframePending;
    private int sourceSsrc;
    private boolean started;
    private long highestInExt;
    private int highestOutSeq;
    private int pendingDroppedPackets;
    private int pendingDroppedFrames;
    private int lastDroppedPictureId = -1;
    private long lastDroppedExt;
    private long highestForwardedExt;
    private int lastDroppedTargetSsrc;
    private int lastDroppedTargetSeq;
    private final long[] pendingExt = new long[PENDING];
    private final boolean[] pendingFrame = new boolean[PENDING];
    private final long[] bpStart = new long[BREAKPOINTS];
    private final int[] bpSeqDelta = new int[BREAKPOINTS];
    private final int[] bpPicDelta = new int[BREAKPOINTS];
    private int bpCount;
    private int bpNewest = -1;

    private int tsDelta;
    private int lastOutTs;
    private long lastForwardedNs;
    private final int clockRateHz;

    private int lastOutPictureId = -1;
    private int tl0Delta;
    private int lastOutTl0 = -1;
    /** Dependency descriptor frame numbers: offset of the current source, highest sent (-1: none yet). */
    private int frameDelta;
    private int lastOutFrame = -1;

    // ---- results of the last accepted packet ----
    private int outSeq;
    private int outTs;
    private int outPictureId;
    private int outTl0;
    private int outFrameNumber;
    private boolean outMarker;

    // ---- counters (same worker) ----
    public long layerSwitches;
    public long droppedOtherLayer;
    public long droppedTemporal;
    public long droppedStale;
    /** Upper-layer packets that arrived after later packets were sent (reordering): each leaves a gap. */
    public long lateTemporalDrops;
    /** Packets of a keyframe that arrived before its first packet, dropped as the switch had not happened. */
    public long lateBeforeSwitch;
    /** Down-switches that stopped the current layer before the new one's keyframe. */
    public long urgentStops;
    /** Packets of spatial layers not forwarded to this receiver. */
    public long droppedSpatial;

    public VideoProjection(int clockRateHz, int initialSeq, int initialTs) {
        this.clockRateHz = clockRateHz;
        this.highestOutSeq = (initialSeq - 1) & 0xFFFF;
        this.lastOutTs = initialTs;
    }

    /** Sets what to forward: encoding index (-1: nothing) and the highest temporal layer. */
    public void setTarget(int encoding, int temporal) {
        setTarget(encoding, temporal, false);
    }

    /**
     * Sets what to forward. With {@code stopCurrent}, a lower target also stops the current layer at
     * once instead of at the new layer's keyframe: for when the link is far too small for it, where
     * going on would fill the bottleneck queue and lose the very keyframe being waited for.
     */
    public void setTarget(int encoding, int temporal, boolean stopCurrent) {
        setTarget(encoding, ALL_SPATIAL, temporal, stopCurrent);
    }

    /**
     * Sets what to forward, with the highest spatial layer of a scalable stream ({@link #ALL_SPATIAL}:
     * every one; ignored for streams without spatial layers).
     */
    public void setTarget(int encoding, int spatial, int temporal, boolean stopCurrent) {
        targetEncoding = encoding;
        targetTemporal = temporal;
        targetSpatial = spatial < 0 ? ALL_SPATIAL : spatial;
        // Temporal layers change at the next frame start: down at any frame, up at a sync frame.
        if (encoding < 0 || (stopCurrent && encoding < currentEncoding)) {
            if (currentEncoding >= 0 && encoding >= 0) {
                urgentStops++;
            }
            currentEncoding = -1;
        }
    }

    public int targetEncoding() {
        return targetEncoding;
    }

    /**
     * The subscription moved to another source (or back, before the switch happened): what is being
     * forwarded now belongs to the previous source, so its packets come as {@link #LEAVING} + index
     * and go on until a keyframe of the target layer of the new source arrives. The output continues
     * across the switch as across a layer switch (sequence numbers, timestamps, picture ids).
     */
    public void sourceChanged() {
        if (currentEncoding >= LEAVING) {
            currentEncoding -= LEAVING; // moved back before the new source's keyframe
        } else if (currentEncoding >= 0) {
            currentEncoding += LEAVING;
        }
    }

    /** True while the previous source is still forwarded after {@link #sourceChanged}. */
    public boolean forwardingPreviousSource() {
        return currentEncoding >= LEAVING;
    }

    public int targetTemporal() {
        return targetTemporal;
    }

    public int currentEncoding() {
        return currentEncoding;
    }

    public int currentTemporal() {
        return currentTemporal;
    }

    public int targetSpatial() {
        return targetSpatial;
    }

    /** The highest spatial layer forwarded, -1 before the first keyframe or for a stream without them. */
    public int currentSpatial() {
        return currentSpatial;
    }

    /**
     * True while the target layer differs from the one forwarded: a keyframe of it is needed (also for
     * a spatial layer up, or down in a k-SVC stream).
     */
    public boolean wantsKeyframe() {
        return targetEncoding >= 0 && (targetEncoding != currentEncoding || spatialKeyframePending);
    }

    /**
     * Decides about one packet of {@code encoding}, from what its codec read of it ({@code frame}:
     * keyframe and frame starts, temporal layer, layer sync, picture id and TL0PICIDX). On true,
     * {@link #outSeq()} etc. hold the rewritten values for it.
     */
    public boolean accept(int encoding, int ssrc, int seq, int ts, FrameInfo frame, long nowNs) {
        int temporalId = frame.temporalId;
        boolean layerSync = frame.layerSync;
        boolean keyframeStart = frame.keyframeStart;
        boolean startOfFrame = frame.startOfFrame;
        int pictureId = frame.pictureId;
        int tl0 = frame.tl0PicIdx;
        if (encoding != currentEncoding) {
            if (encoding != targetEncoding || !keyframeStart) {
                if (encoding == targetEncoding) {
                    lastDroppedTargetSsrc = ssrc;
                    lastDroppedTargetSeq = seq;
                }
                droppedOtherLayer++;
                return false;
            }
            if (ssrc == lastDroppedTargetSsrc && ((lastDroppedTargetSeq - seq) & 0xFFFF) - 1 < 0x7FFF) {
                // A later packet of the keyframe came first and was dropped: the receiver sees a gap.
                lateBeforeSwitch++;
            }
            lastDroppedTargetSsrc = 0;
            switchTo(encoding, ssrc, seq, ts, pictureId, tl0, frame.frameNumber, nowNs);
        } else if (ssrc != sourceSsrc) {
            // The layer restarted under a new SSRC: continue only from one of its keyframes.
            if (!keyframeStart) {
                droppedOtherLayer++;
                return false;
            }
            switchTo(encoding, ssrc, seq, ts, pictureId, tl0, frame.frameNumber, nowNs);
        }
        long ext = extend(seq);
        boolean newest = ext > highestInExt;
        int tid = temporalId < 0 ? 0 : temporalId;
        int sid = frame.spatialId;
        boolean spatialDrop = false;
        if (sid >= 0) {
            int top = Math.max(sid, frame.spatialLayers - 1);
            int wanted = Math.min(targetSpatial, top);
            int before = currentSpatial;
            if (keyframeStart && newest) {
                currentSpatial = wanted; // every layer of a keyframe picture is there to start from
            } else if (currentSpatial < 0) {
                currentSpatial = wanted;
            } else if (startOfFrame && newest && wanted < currentSpatial && !frame.layersIndependent) {
                currentSpatial = wanted; // full SVC: the lower layers were forwarded all along
            }
            if (before >= 0 && currentSpatial != before) {
                layerSwitches++;
            }
            spatialKeyframePending = wanted != currentSpatial
                    && (wanted > currentSpatial || frame.layersIndependent);
            // A layer frame goes when it is the highest one forwarded, or one below it that the highest
            // depends on: always in full SVC, only in keyframe pictures in k-SVC.
            // (with a dependency descriptor: when no decode target of the receiver's layer needs it)
            spatialDrop = sid > currentSpatial || (sid < currentSpatial && (frame.dependencies
                    ? (frame.presentInSpatial & (1 << currentSpatial)) == 0
                    : frame.layersIndependent && frame.interPicturePredicted));
            outMarker = frame.endOfLayerFrame && (sid == currentSpatial || frame.marker);
        } else {
            spatialKeyframePending = false;
            outMarker = frame.marker;
        }
        // Waiting for a lower layer's keyframe: meanwhile only the current layer's base temporal layer,
        // so the rate falls at once instead of when the keyframe comes (the link is already too small).
        boolean waitingDown = (targetEncoding >= 0 && targetEncoding < currentEncoding && currentEncoding < LEAVING)
                || (spatialKeyframePending && targetSpatial < currentSpatial);
        int wantedTemporal = waitingDown ? 0 : targetTemporal;
        if (startOfFrame && newest && wantedTemporal < currentTemporal) {
            currentTemporal = wantedTemporal;
        }
        if (startOfFrame && newest && wantedTemporal > currentTemporal) {
            int upTo = tid > currentTemporal && (layerSync || keyframeStart) ? Math.max(currentTemporal + 1, tid) : -1;
            // a dependency descriptor names the targets this frame is a switch point of, from any layer:
            // the highest of them up to the wanted one
            for (int t = wantedTemporal; t > upTo; t--) {
                if ((frame.temporalSwitchPoints & (1 << t)) != 0) {
                    upTo = t;
                    break;
                }
            }
            if (upTo > currentTemporal) {
                currentTemporal = Math.min(wantedTemporal, upTo);
            }
        }
        if (tid > currentTemporal || spatialDrop) {
            if (newest) {
                highestInExt = ext;
                lastDroppedExt = ext;
                // a whole picture dropped (a temporal layer; spatial drops keep the picture) moves later
                // picture ids down, unless the codec's ids must keep their gaps
                boolean newFrame = !spatialDrop && !frame.pictureIdGaps && pictureId >= 0
                        && pictureId != lastDroppedPictureId;
                if (newFrame) {
                    lastDroppedPictureId = pictureId;
                }
                notePendingDrop(ext, newFrame);
            } else if (ext > highestForwardedExt) {
                // Reordered inside the dropped run: later forwarded packets will make room for it too.
                notePendingDrop(ext, false);
            } else {
                // Later packets already went out without room for this one: the receiver sees a gap.
                lateTemporalDrops++;
            }
            if (spatialDrop) {
                droppedSpatial++;
            } else {
                droppedTemporal++;
            }
            return false;
        }
        int bp;
        if (newest) {
            if (pendingDroppedPackets > 0) {
                addBreakpoint(lastDroppedExt + 1, bpSeqDelta[bpNewest] - pendingDroppedPackets,
                        bpPicDelta[bpNewest] - pendingDroppedFrames);
                pendingDroppedPackets = 0;
                pendingDroppedFrames = 0;
            }
            highestInExt = ext;
            highestForwardedExt = ext;
            bp = bpNewest;
        } else if (pendingDroppedPackets > 0 && ext > highestForwardedExt) {
            // Reordered: a packet to forward arrived after dropped ones that follow it. It moves down by
            // the drops before it only; the rest stay pending for the packets after it.
            if (pendingDroppedPackets > PENDING) {
                notePendingDrop(ext, false); // too many to place: dropped, like the run around it
                droppedStale++;
                return false;
            }
            int below = 0;
            int framesBelow = 0;
            int kept = 0;
            for (int i = 0; i < pendingDroppedPackets; i++) {
                if (pendingExt[i] < ext) {
                    below++;
                    framesBelow += pendingFrame[i] ? 1 : 0;
                } else {
                    pendingExt[kept] = pendingExt[i];
                    pendingFrame[kept++] = pendingFrame[i];
                }
            }
            addBreakpoint(ext, bpSeqDelta[bpNewest] - below, bpPicDelta[bpNewest] - framesBelow);
            pendingDroppedPackets = kept;
            pendingDroppedFrames -= framesBelow;
            highestForwardedExt = ext;
            bp = bpNewest;
        } else {
            bp = breakpointFor(ext);
            if (bp < 0) {
                droppedStale++;
                return false;
            }
        }
        outSeq = (int) (ext + bpSeqDelta[bp]) & 0xFFFF;
        if (((outSeq - highestOutSeq) & 0xFFFF) < 0x8000) {
            highestOutSeq = outSeq;
        }
        outTs = ts + tsDelta;
        if (outTs - lastOutTs > 0) {
            lastOutTs = outTs;
        }
        lastForwardedNs = nowNs;
        if (pictureId >= 0) {
            outPictureId = (pictureId + bpPicDelta[bp]) & 0x7FFF;
            if (lastOutPictureId < 0 || ((outPictureId - lastOutPictureId) & 0x7FFF) < 0x4000) {
                lastOutPictureId = outPictureId;
            }
        } else {
            outPictureId = -1;
        }
        if (tl0 >= 0) {
            outTl0 = (tl0 + tl0Delta) & 0xFF;
            if (lastOutTl0 < 0 || ((outTl0 - lastOutTl0) & 0xFF) < 0x80) {
                lastOutTl0 = outTl0;
            }
        } else {
            outTl0 = -1;
        }
        int fn = frame.frameNumber;
        if (fn >= 0) {
            outFrameNumber = (fn + frameDelta) & 0xFFFF;
            if (lastOutFrame < 0 || ((outFrameNumber - lastOutFrame) & 0xFFFF) < 0x8000) {
                lastOutFrame = outFrameNumber;
            }
        } else {
            outFrameNumber = -1;
        }
        return true;
    }

    private void switchTo(int encoding, int ssrc, int seq, int ts, int pictureId, int tl0, int frameNumber, long nowNs) {
        if (currentEncoding >= 0 || started) {
            layerSwitches++;
        }
        tsDelta = Projection.continuedTsDelta(lastOutTs, lastForwardedNs, nowNs, clockRateHz, ts);
        currentEncoding = encoding;
        currentTemporal = targetTemporal;
        currentSpatial = -1; // chosen at the keyframe being switched to
        sourceSsrc = ssrc;
        started = true;
        highestInExt = seq; // extended numbers restart per source
        pendingDroppedPackets = 0;
        pendingDroppedFrames = 0;
        lastDroppedPictureId = -1;
        bpCount = 0;
        int picDelta = pictureId < 0 ? 0 : ((lastOutPictureId < 0 ? pictureId : lastOutPictureId + 1) - pictureId);
        addBreakpoint(seq, highestOutSeq + 1 - seq, picDelta);
        highestInExt = seq - 1L;
        highestForwardedExt = seq - 1L;
        tl0Delta = tl0 < 0 ? 0 : (lastOutTl0 < 0 ? 0 : lastOutTl0 + 1 - tl0);
        // each simulcast encoding counts its own frames: the receiver's frame numbers go on from the
        // last one sent (a receiver drops a keyframe whose number is below the previous keyframe's)
        frameDelta = frameNumber < 0 || lastOutFrame < 0 ? 0 : lastOutFrame + 1 - frameNumber;
    }

    /** Extends a 16-bit sequence number near the highest seen of the current source. */
    private long extend(int seq) {
        int delta = (short) (seq - (int) (highestInExt & 0xFFFF));
        return highestInExt + delta;
    }

    /** Counts a dropped packet not yet taken out of the numbering (and notes where it was, while there is room). */
    private void notePendingDrop(long ext, boolean newFrame) {
        if (pendingDroppedPackets < PENDING) {
            pendingExt[pendingDroppedPackets] = ext;
            pendingFrame[pendingDroppedPackets] = newFrame;
        }
        pendingDroppedPackets++;
        if (newFrame) {
            pendingDroppedFrames++;
        }
    }

    private void addBreakpoint(long start, int seqDelta, int picDelta) {
        bpNewest = (bpNewest + 1) % BREAKPOINTS;
        bpStart[bpNewest] = start;
        bpSeqDelta[bpNewest] = seqDelta;
        bpPicDelta[bpNewest] = picDelta;
        if (bpCount < BREAKPOINTS) {
            bpCount++;
        }
    }

    /** The newest breakpoint at or before {@code ext}; -1 when older than every kept one. */
    private int breakpointFor(long ext) {
        int i = bpNewest;
        for (int k = 0; k < bpCount; k++) {
            if (bpStart[i] <= ext) {
                return i;
            }
            i = (i - 1 + BREAKPOINTS) % BREAKPOINTS;
        }
        return -1;
    }

    public int outSeq() {
        return outSeq;
    }

    public int outTs() {
        return outTs;
    }

    /** Rewritten picture id of the last accepted packet, -1 when it had none. */
    public int outPictureId() {
        return outPictureId;
    }

    public int outTl0() {
        return outTl0;
    }

    /** Rewritten dependency descriptor frame number of the last accepted packet, -1 when it had none. */
    public int outFrameNumber() {
        return outFrameNumber;
    }

    /**
     * The RTP marker of the last accepted packet: the publisher's, except in a stream with spatial
     * layers, where it ends the picture at the highest layer forwarded.
     */
    public boolean outMarker() {
        return outMarker;
    }

    @Override
    public boolean started() {
        return started;
    }

    @Override
    public int sourceSsrc() {
        return sourceSsrc;
    }

    @Override
    public int tsDelta() {
        return tsDelta;
    }

    /** The newest timestamp sent (for padding on the same stream). */
    public int lastOutTs() {
        return lastOutTs;
    }

    public int highestOutSeq() {
        return highestOutSeq;
    }
}
