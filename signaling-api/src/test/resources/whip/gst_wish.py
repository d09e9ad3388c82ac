"""What the GStreamer WHIP publisher and WHEP player share: one session's HTTP side (POST the offer
once every candidate is gathered, apply the answer, DELETE on stop) around a webrtcbin."""
import sys
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import Gst, GstSdp, GstWebRTC  # noqa: E402


class Session:
    def __init__(self, url, webrtc, loop, tag):
        self.url = url
        self.webrtc = webrtc
        self.loop = loop
        self.tag = tag
        self.resource = None
        webrtc.connect("notify::ice-gathering-state", self.on_gathering)
        webrtc.connect("notify::connection-state", self.on_state)

    def say(self, *parts):
        print(self.tag + ":", *parts, flush=True)

    def create_offer(self):
        """Asks webrtcbin for an offer and sets it; gathering then starts. Returns False (a GLib source)."""
        self.webrtc.emit("create-offer", None, Gst.Promise.new_with_change_func(self.on_offer, None))
        return False

    def on_offer(self, promise, _data):
        reply = promise.get_reply()
        if reply is None or not reply.has_field("offer"):
            self.say("create-offer failed:", reply.get_value("error") if reply is not None and reply.has_field("error") else reply)
            self.loop.quit()
            return
        self.webrtc.emit("set-local-description", reply.get_value("offer"), Gst.Promise.new())

    def on_gathering(self, element, _pspec):
        if element.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE \
                and self.resource is None:
            sdp = element.get_property("local-description").sdp.as_text()
            self.say("offer gathered,", sdp.count("a=candidate"), "candidates")
            self.post_offer(sdp)

    def post_offer(self, sdp):
        req = urllib.request.Request(self.url, data=sdp.encode(), method="POST",
                                     headers={"Content-Type": "application/sdp"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                answer = r.read().decode()
                self.resource = urllib.parse.urljoin(self.url, r.headers["Location"])
                self.say("201", self.resource)
        except urllib.error.HTTPError as e:
            self.say("refused", e.code, e.read().decode().strip())
            self.loop.quit()
            return
        except OSError as e:
            self.say("cannot reach", self.url, e)
            self.loop.quit()
            return
        if "--verbose" in sys.argv:
            self.say("offer:\n" + sdp + "\nanswer:\n" + answer)
        ok, msg = GstSdp.SDPMessage.new_from_text(answer)
        desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        self.webrtc.emit("set-remote-description", desc, Gst.Promise.new_with_change_func(self.on_answer_set, None))

    def on_answer_set(self, promise, _data):
        reply = promise.get_reply()
        error = reply.get_value("error") if reply is not None and reply.has_field("error") else None
        self.say("answer applied" if error is None else "answer refused: " + str(error))

    def on_state(self, element, _pspec):
        self.say("connection", element.get_property("connection-state").value_nick)

    def stop(self, *_args):
        """DELETEs the session (when there is one) and ends the main loop. Returns False (a GLib source)."""
        if self.resource:
            try:
                urllib.request.urlopen(urllib.request.Request(self.resource, method="DELETE"), timeout=5).read()
                self.say("deleted")
            except Exception as e:  # the bridge may be gone already
                self.say("delete failed", e)
        self.loop.quit()
        return False
