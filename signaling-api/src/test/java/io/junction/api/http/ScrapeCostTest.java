package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import io.junction.bridge.conference.Conference;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A /metrics scrape with 200 endpoints in 20 conferences: prints the cost, holds the 50 ms budget. */
class ScrapeCostTest {
    @Test
    void scrapeWith200EndpointsIsCheap() throws Exception {
        try (TestServer t = TestServer.start()) {
            for (int c = 0; c < 20; c++) {
                Conference conf = t.server.bridge().createConference("load-" + c);
                for (int e = 0; e < 10; e++) {
                    conf.addEndpoint("synthetic-" + e);
                }
            }
            assertEquals(200, t.server.bridge().endpointCount());
            t.server.bridge().sampleStats();
            for (int i = 0; i < 20; i++) { // warm up
                t.server.registry().scrape();
            }
            long[] ns = new long[50];
            for (int i = 0; i < ns.length; i++) {
                long t0 = System.nanoTime();
                String body = t.server.registry().scrape();
                ns[i] = System.nanoTime() - t0;
                assertTrue(body.contains("junction_conference_endpoints"));
            }
            Arrays.sort(ns);
            double medianMs = ns[ns.length / 2] / 1e6;
            double p90Ms = ns[ns.length * 9 / 10] / 1e6;
            long httpT0 = System.nanoTime();
            int status = t.admin("GET", "/metrics", null).statusCode();
            double httpMs = (System.nanoTime() - httpT0) / 1e6;
            System.out.printf("scrape with 200 endpoints / 20 conferences: median %.2f ms, p90 %.2f ms, over HTTP %.2f ms%n",
                    medianMs, p90Ms, httpMs);
            assertEquals(200, status);
            assertTrue(medianMs < 50, "median scrape " + medianMs + " ms");
        }
    }
}
