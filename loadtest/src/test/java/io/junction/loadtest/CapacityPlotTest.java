package io.junction.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CapacityPlotTest {
    @Test
    void readsReportsAndDrawsTheirPoints(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("280 streams.json");
        Files.writeString(a, "{\"forwardedPacketsPerSecond\": 15600.5, \"latencyP99Ms\": 1.6, \"lossPercent\": 0.0, \"other\": 1}");
        Path b = dir.resolve("1680 streams.json");
        Files.writeString(b, "{\"forwardedPacketsPerSecond\": 96000, \"latencyP99Ms\": 1212.4, \"lossPercent\": 0.88,"
                + " \"expectedPackets\": 100000, \"videoNotForwardedByChoice\": 660}");
        CapacityPlot.Point p = CapacityPlot.read(a);
        assertEquals("280 streams", p.label());
        assertEquals(15600.5, p.packetsPerSecond());
        assertEquals(1.6, p.p99Ms());
        CapacityPlot.Point q = CapacityPlot.read(b);
        assertEquals(0.88, q.lossPercent());
        assertEquals(0.66, q.withheldPercent(), 1e-9, "the withheld video as a share of the expected packets");
        assertEquals(0.22, q.otherLossPercent(), 1e-9, "the rest of the loss: lost on the way");
        assertEquals(0, p.withheldPercent(), "a report without the figure: none");

        BufferedImage img = CapacityPlot.draw(List.of(q, p));
        assertEquals(900, img.getWidth());
        // x: 0 to 1.1 x the largest rate over 740 px from 80; y: log10 of 0.1 ms to 10 s over 400 px up from 450
        assertTrue(hasBlue(img, 170, 335, 210, 375), "the 1.6 ms point at (189, 354)");
        assertTrue(hasBlue(img, 730, 105, 775, 145), "the 1212 ms point at (752, 124)");
        assertTrue(!hasBlue(img, 700, 330, 800, 380), "and nothing where neither is");
        // the loss axis: 0 to 1 % (at least) over the same 400 px
        assertTrue(hasOrange(img, 742, 176, 762, 196), "the 0.66 % withheld at (752, 186)");
        assertTrue(hasRed(img, 742, 352, 762, 372), "the 0.22 % lost on the way at (752, 362)");
        assertTrue(!hasOrange(img, 742, 352, 762, 372) && !hasRed(img, 742, 176, 762, 196) && !hasOrange(img, 742, 90, 762, 140),
                "each part in its own place, nothing at the whole 0.88 % (752, 98)");
    }

    private static boolean hasRed(BufferedImage img, int x0, int y0, int x1, int y1) {
        return has(img, x0, y0, x1, y1, (r, g, b) -> r > 170 && g < 100 && b < 100);
    }

    private static boolean hasOrange(BufferedImage img, int x0, int y0, int x1, int y1) {
        return has(img, x0, y0, x1, y1, (r, g, b) -> r > 200 && g > 110 && g < 190 && b < 80);
    }

    private static boolean hasBlue(BufferedImage img, int x0, int y0, int x1, int y1) {
        return has(img, x0, y0, x1, y1, (r, g, b) -> b > 150 && r < 100 && g < 140);
    }

    interface Rgb {
        boolean test(int r, int g, int b);
    }

    /** True when a pixel of the rectangle [x0, x1) x [y0, y1) has a colour {@code colour} accepts. */
    private static boolean has(BufferedImage img, int x0, int y0, int x1, int y1, Rgb colour) {
        for (int x = x0; x < x1; x++) {
            for (int y = y0; y < y1; y++) {
                int rgb = img.getRGB(x, y);
                if (colour.test((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF)) {
                    return true;
                }
            }
        }
        return false;
    }
}
