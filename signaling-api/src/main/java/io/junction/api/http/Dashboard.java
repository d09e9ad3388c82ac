package io.junction.api.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.bridge.conference.Bridge;
import io.junction.bridge.conference.Conference;
import io.junction.bridge.conference.Endpoint;
import io.junction.bridge.conference.EndpointStatsView;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The live dashboard on the admin port: the page ({@code /dashboard}, files under {@code admin/} on
 * the classpath) and its event stream ({@code /v1/dashboard/events}, one server-sent event a second
 * with bridge-wide and per-conference bitrates). A 5-minute history of bridge-wide bitrate is kept so
 * a new viewer sees a full chart at once.
 */
public final class Dashboard {
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?");
    private static final int HISTORY_POINTS = 300;
    private static final int MAX_VIEWERS = 8;
    private static final int MAX_CONFERENCES_IN_EVENT = 200;

    private final Bridge bridge;
    private final Deque<double[]> history = new ArrayDeque<>();
    private final AtomicInteger viewers = new AtomicInteger();
    private volatile boolean running = true;

    Dashboard(Bridge bridge) {
        this.bridge = bridge;
    }

    /** Records one bridge-wide sample; called once a second after the stats are sampled. */
    public synchronized void record(long epochMs) {
        history.addLast(new double[] {epochMs / 1000.0, bridge.metrics().bitrateInBps(), bridge.metrics().bitrateOutBps()});
        while (history.size() > HISTORY_POINTS) {
            history.removeFirst();
        }
    }

    public void stop() {
        running = false;
    }

    void serve(Exchange ex, String[] s) throws ApiException {
        AdminHandler.requireMethod(ex, "GET");
        String file = s.length == 1 ? "dashboard.html" : String.join("/", java.util.Arrays.copyOfRange(s, 1, s.length));
        if (!FILE.matcher(file).matches() || file.contains("..")) {
            throw ApiException.notFound("no such resource: " + ex.path());
        }
        byte[] body = read("/admin/" + file);
        if (body == null) {
            throw ApiException.notFound("no such resource: " + ex.path());
        }
        ex.send(200, StaticResources.contentType(file), body);
    }

    private static byte[] read(String path) {
        try (InputStream in = Dashboard.class.getResourceAsStream(path)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void events(Exchange ex) throws ApiException {
        if (viewers.incrementAndGet() > MAX_VIEWERS) {
            viewers.decrementAndGet();
            throw new ApiException(503, "too-many-viewers", "at most " + MAX_VIEWERS + " dashboards at once");
        }
        try {
            boolean[] first = {true};
            ex.serverSentEvents(() -> {
                String e = snapshot(first[0]).toString();
                first[0] = false;
                return e;
            }, () -> running, 1000);
        } finally {
            viewers.decrementAndGet();
        }
    }

    /** One event: now, bridge totals, conferences (with endpoints); the history on the first event. */
    ObjectNode snapshot(boolean withHistory) {
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("t", System.currentTimeMillis() / 1000.0);
        // The bridge's and the conferences' rates of one sample: the totals are the sum of the rows.
        List<Conference> conferences = new ArrayList<>();
        List<double[]> rates = new ArrayList<>();
        bridge.metrics().consistently(() -> {
            json.put("bitrateInBps", bridge.metrics().bitrateInBps());
            json.put("bitrateOutBps", bridge.metrics().bitrateOutBps());
            for (Conference c : bridge.conferences()) {
                if (conferences.size() >= MAX_CONFERENCES_IN_EVENT) {
                    break;
                }
                conferences.add(c);
                rates.add(new double[] {c.bitrateInBps(), c.bitrateOutBps()});
            }
            return null;
        });
        json.put("conferenceCount", bridge.conferenceCount());
        json.put("endpointCount", bridge.endpointCount());
        json.put("viewerCount", bridge.viewerCount());
        if (withHistory) {
            ArrayNode h = json.putArray("history");
            synchronized (this) {
                for (double[] p : history) {
                    h.addArray().add(p[0]).add(p[1]).add(p[2]);
                }
            }
        }
        ArrayNode confs = json.putArray("conferences");
        for (int i = 0; i < conferences.size(); i++) {
            Conference c = conferences.get(i);
            ObjectNode cj = confs.addObject();
            cj.put("id", c.id());
            cj.put("name", c.name());
            cj.put("bitrateInBps", rates.get(i)[0]);
            cj.put("bitrateOutBps", rates.get(i)[1]);
            ArrayNode eps = cj.putArray("endpoints");
            double lossSum = 0;
            double jitterSum = 0;
            int streams = 0;
            double rttSum = 0;
            int rtts = 0;
            for (Endpoint e : c.endpoints()) {
                EndpointStatsView v = e.stats();
                ObjectNode ej = eps.addObject();
                ej.put("id", v.endpointId());
                ej.put("displayName", v.displayName());
                ej.put("connected", v.mediaConnected());
                ej.put("bitrateInBps", v.bitrateInBps());
                ej.put("bitrateOutBps", v.bitrateOutBps());
                if (v.downlinkEstimateBps() != null) {
                    ej.put("downlinkEstimateBps", v.downlinkEstimateBps());
                }
                // per forwarded video: the simulcast layer index (q=0, h=1, f=2; '-' none) it gets now
                StringBuilder layers = new StringBuilder();
                for (EndpointStatsView.Outbound o : v.outbound()) {
                    if (o.forwardedLayer() != null) {
                        layers.append(o.forwardedLayer() < 0 ? "-" : String.valueOf(o.forwardedLayer()));
                    }
                }
                ej.put("layers", layers.toString());
                if (v.rttMs() != null) {
                    ej.put("rttMs", v.rttMs());
                    rttSum += v.rttMs();
                    rtts++;
                }
                for (EndpointStatsView.Inbound in : v.inbound()) {
                    lossSum += in.fractionLost();
                    jitterSum += in.jitterMs();
                    streams++;
                }
            }
            cj.put("lossIn", streams == 0 ? 0 : lossSum / streams);
            cj.put("jitterMs", streams == 0 ? 0 : jitterSum / streams);
            if (rtts == 0) {
                cj.putNull("rttMs");
            } else {
                cj.put("rttMs", rttSum / rtts);
            }
        }
        return json;
    }
}
