#!/usr/bin/env python3
"""A WHEP player built on GStreamer's webrtcbin and libnice: a WebRTC stack independent of
Chromium's. Offers to receive VP8 (payload type 100) and Opus (109), numbers the bridge does not use
itself, gathers all candidates, POSTs the offer, applies the answer, decodes what arrives, and
prints a line a second with the decoded video frames and size and the audio buffers. DELETEs the
session on SIGTERM (or after --seconds).

    gst-whep-play.py URL [--seconds N] [--verbose]
"""
import signal
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

Gst.init(None)
url = sys.argv[1]
seconds = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 120
loop = GLib.MainLoop()
resource = None
lock = threading.Lock()
counts = {"video": 0, "audio": 0, "size": "0x0"}

pipe = Gst.Pipeline.new("player")
webrtc = Gst.ElementFactory.make("webrtcbin", "w")
webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
pipe.add(webrtc)


def say(*parts):
    print("gst-whep:", *parts, flush=True)


def post_offer(sdp):
    global resource
    req = urllib.request.Request(url, data=sdp.encode(), method="POST", headers={"Content-Type": "application/sdp"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            answer = r.read().decode()
            resource = urllib.parse.urljoin(url, r.headers["Location"])
            say("201", resource)
    except urllib.error.HTTPError as e:
        say("refused", e.code, e.read().decode().strip())
        loop.quit()
        return
    except OSError as e:
        say("cannot reach", url, e)
        loop.quit()
        return
    if "--verbose" in sys.argv:
        say("offer:\n" + sdp + "\nanswer:\n" + answer)
    ok, msg = GstSdp.SDPMessage.new_from_text(answer)
    desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
    webrtc.emit("set-remote-description", desc, Gst.Promise.new_with_change_func(on_answer_set, None))


def on_answer_set(promise, _data):
    reply = promise.get_reply()
    error = reply.get_value("error") if reply is not None and reply.has_field("error") else None
    say("answer applied" if error is None else "answer refused: " + str(error))


def on_gathering(element, _pspec):
    if element.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE and resource is None:
        sdp = element.get_property("local-description").sdp.as_text()
        say("offer gathered,", sdp.count("a=candidate"), "candidates")
        post_offer(sdp)


def on_offer(promise, _data):
    reply = promise.get_reply()
    if reply is None or not reply.has_field("offer"):
        say("create-offer failed:", reply.get_value("error") if reply is not None and reply.has_field("error") else reply)
        loop.quit()
        return
    webrtc.emit("set-local-description", reply.get_value("offer"), Gst.Promise.new())


def create_offer():
    webrtc.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, None))
    return False


def on_handoff(_sink, buf, _pad, kind):
    with lock:
        counts[kind] += 1


def on_decoded(_decodebin, pad):
    caps = pad.get_current_caps() or pad.query_caps(None)
    s = caps.get_structure(0)
    kind = "video" if s.get_name().startswith("video") else "audio"
    if kind == "video":
        with lock:
            counts["size"] = "%dx%d" % (s.get_value("width"), s.get_value("height"))
    sink = Gst.ElementFactory.make("fakesink")
    sink.set_property("sync", False)
    sink.set_property("signal-handoffs", True)
    sink.connect("handoff", on_handoff, kind)
    pipe.add(sink)
    sink.sync_state_with_parent()
    pad.link(sink.get_static_pad("sink"))
    say("decoding", kind, caps.to_string()[:80])


def on_incoming(_element, pad):
    if pad.get_direction() != Gst.PadDirection.SRC:
        return
    decodebin = Gst.ElementFactory.make("decodebin")
    decodebin.connect("pad-added", on_decoded)
    pipe.add(decodebin)
    decodebin.sync_state_with_parent()
    pad.link(decodebin.get_static_pad("sink"))


def report():
    with lock:
        say("video %d frames %s audio %d" % (counts["video"], counts["size"], counts["audio"]))
    return True


def on_state(element, _pspec):
    say("connection", element.get_property("connection-state").value_nick)


def stop(*_args):
    if resource:
        try:
            urllib.request.urlopen(urllib.request.Request(resource, method="DELETE"), timeout=5).read()
            say("deleted")
        except Exception as e:  # the bridge may be gone already
            say("delete failed", e)
    loop.quit()
    return False


webrtc.connect("notify::ice-gathering-state", on_gathering)
webrtc.connect("notify::connection-state", on_state)
webrtc.connect("pad-added", on_incoming)
RECVONLY = GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY
webrtc.emit("add-transceiver", RECVONLY, Gst.Caps.from_string(
    "application/x-rtp,media=video,encoding-name=VP8,payload=100,clock-rate=90000"))
webrtc.emit("add-transceiver", RECVONLY, Gst.Caps.from_string(
    "application/x-rtp,media=audio,encoding-name=OPUS,payload=109,clock-rate=48000,encoding-params=(string)2"))
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, stop)
GLib.timeout_add_seconds(seconds, stop)
GLib.timeout_add_seconds(1, report)
pipe.set_state(Gst.State.PLAYING)
GLib.idle_add(create_offer)  # once playing (a receive-only webrtcbin has no sink pad to start negotiation)
loop.run()
pipe.set_state(Gst.State.NULL)
