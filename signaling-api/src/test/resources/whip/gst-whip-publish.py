#!/usr/bin/env python3
"""A WHIP publisher (RFC 9725) built on GStreamer's webrtcbin and libnice: a WebRTC stack independent
of Chromium's. Sends a test pattern as VP8 on payload type 100 and a tone as Opus on 109 (numbers the
bridge does not use itself), gathers all candidates, POSTs the offer, applies the answer, and DELETEs
the session when it gets SIGTERM (or after --seconds). Prints one line per step for the test's log.

    gst-whip-publish.py URL [--seconds N]
"""
import signal
import sys
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

PIPELINE = (
    "webrtcbin name=w bundle-policy=max-bundle "
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1 ! videoconvert "
    "! vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=600000 ! rtpvp8pay pt=100 mtu=1200 "
    "! application/x-rtp,media=video,encoding-name=VP8,payload=100,clock-rate=90000 ! w. "
    "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! opusenc "
    "! rtpopuspay pt=109 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=109,clock-rate=48000 ! w."
)
pipe = Gst.parse_launch(PIPELINE)
webrtc = pipe.get_by_name("w")


def say(*parts):
    print("gst-whip:", *parts, flush=True)


def post_offer(sdp):
    global resource
    req = urllib.request.Request(url, data=sdp.encode(), method="POST",
                                 headers={"Content-Type": "application/sdp"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            answer = r.read().decode()
            resource = urllib.parse.urljoin(url, r.headers["Location"])
            say("201", resource)
    except urllib.error.HTTPError as e:
        say("refused", e.code, e.read().decode().strip())
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
    offer = reply.get_value("offer")
    webrtc.emit("set-local-description", offer, Gst.Promise.new())


def on_negotiation_needed(element):
    for i in range(2):
        t = element.emit("get-transceiver", i)
        if t is not None:
            t.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
    element.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, None))


def on_state(element, _pspec):
    say("connection", element.get_property("connection-state").value_nick)


def on_ice_state(element, _pspec):
    say("ice", element.get_property("ice-connection-state").value_nick)


def stop(*_args):
    if resource:
        try:
            urllib.request.urlopen(urllib.request.Request(resource, method="DELETE"), timeout=5).read()
            say("deleted")
        except Exception as e:  # the bridge may be gone already
            say("delete failed", e)
    loop.quit()
    return False


webrtc.connect("on-negotiation-needed", on_negotiation_needed)
webrtc.connect("notify::ice-gathering-state", on_gathering)
webrtc.connect("notify::connection-state", on_state)
webrtc.connect("notify::ice-connection-state", on_ice_state)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, stop)
GLib.timeout_add_seconds(seconds, stop)
pipe.set_state(Gst.State.PLAYING)
loop.run()
pipe.set_state(Gst.State.NULL)
