package io.junction.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws a capacity curve from load reports ({@code --json} files): forwarded packets per second
 * against one-way latency p99 (log scale, left) and loss (right), one point per report, labelled
 * with its file name. The loss is drawn in two parts: the video the bridge withheld (reports that
 * have the figure: a receiver's estimate had no room for a stream) and the rest, lost on the way.
 * {@code loadtest/capacity.sh} runs the reports and calls it:
 * {@code java -cp junction-loadtest.jar io.junction.loadtest.CapacityPlot OUT.png REPORT.json...}
 */
public final class CapacityPlot {
    record Point(String label, double packetsPerSecond, double p99Ms, double lossPercent, double withheldPercent) {
        /** The loss that is not video the bridge withheld: packets lost on the way. */
        double otherLossPercent() {
            return Math.max(0, lossPercent - withheldPercent);
        }
    }

    private static final int W = 900;
    private static final int H = 520;
    private static final int LEFT = 80;
    private static final int RIGHT = 80;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;
    private static final int PLOT_W = W - LEFT - RIGHT;
    private static final int PLOT_H = H - TOP - BOTTOM;
    private static final Color LATENCY = new Color(40, 90, 200);
    private static final Color LOSS = new Color(200, 60, 60);
    private static final Color WITHHELD = new Color(235, 150, 20);
    /** The latency axis: log10 of milliseconds, from 0.1 ms. */
    private static final double MIN_LOG = -1;

    private CapacityPlot() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: CapacityPlot OUT.png REPORT.json...");
            System.exit(2);
        }
        List<Point> points = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            points.add(read(Path.of(args[i])));
        }
        ImageIO.write(draw(points), "png", new File(args[0]));
        System.out.println("capacity plot: " + args[0] + " (" + points.size() + " points)");
    }

    static Point read(Path report) throws IOException {
        JsonNode r = SyntheticClient.JSON.readTree(Files.readString(report));
        String name = report.getFileName().toString().replaceFirst("\\.json$", "");
        double expected = r.path("expectedPackets").asDouble();
        double withheld = expected > 0 ? r.path("videoNotForwardedByChoice").asDouble() * 100 / expected : 0;
        return new Point(name, r.path("forwardedPacketsPerSecond").asDouble(), r.path("latencyP99Ms").asDouble(),
                r.path("lossPercent").asDouble(), withheld);
    }

    static BufferedImage draw(List<Point> unsorted) {
        List<Point> points = new ArrayList<>(unsorted);
        points.sort(Comparator.comparingDouble(Point::packetsPerSecond));
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        double maxX = points.stream().mapToDouble(Point::packetsPerSecond).max().orElse(1) * 1.1;
        double maxLoss = Math.max(1, points.stream().mapToDouble(p -> Math.max(p.otherLossPercent(), p.withheldPercent()))
                .max().orElse(1) * 1.2);
        double maxLog = Math.max(3, Math.ceil(Math.log10(Math.max(1, points.stream().mapToDouble(Point::p99Ms).max().orElse(1)))));
        // axes, grid and labels
        for (int e = (int) MIN_LOG; e <= maxLog; e++) {
            int y = latencyY(e, maxLog);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(LEFT, y, LEFT + PLOT_W, y);
            g.setColor(Color.BLACK);
            g.drawString(e < 0 ? "0.1" : String.format(Locale.ROOT, "%.0f", Math.pow(10, e)), LEFT - 40, y + 4);
        }
        g.drawRect(LEFT, TOP, PLOT_W, PLOT_H);
        for (int i = 0; i <= 5; i++) {
            double x = maxX * i / 5;
            int px = LEFT + (int) (PLOT_W * i / 5.0);
            g.drawString(String.format(Locale.ROOT, "%.0fk", x / 1000), px - 10, TOP + PLOT_H + 18);
            double loss = maxLoss * i / 5;
            int py = TOP + PLOT_H - (int) (PLOT_H * i / 5.0);
            g.setColor(LOSS);
            g.drawString(String.format(Locale.ROOT, "%.2f %%", loss), LEFT + PLOT_W + 8, py + 4);
            g.setColor(Color.BLACK);
        }
        g.drawString("forwarded packets per second", LEFT + PLOT_W / 2 - 80, H - 25);
        g.drawString("one-way latency p99 (ms, log)", 10, TOP - 15);
        g.setColor(LOSS);
        g.drawString("loss", LEFT + PLOT_W + 8, TOP - 15);
        // the real-time line: p99 10 ms
        int y10 = latencyY(1, maxLog);
        g.setColor(new Color(60, 140, 60));
        g.setStroke(new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        g.drawLine(LEFT, y10, LEFT + PLOT_W, y10);
        g.drawString("p99 10 ms", LEFT + 5, y10 - 4);
        // the curves
        g.setStroke(new BasicStroke(2));
        int[] lx = new int[points.size()];
        int[] ly = new int[points.size()];
        int[] qy = new int[points.size()];
        int[] wy = new int[points.size()];
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            lx[i] = LEFT + (int) (p.packetsPerSecond() / maxX * PLOT_W);
            ly[i] = latencyY(Math.log10(Math.max(0.1, p.p99Ms())), maxLog);
            qy[i] = lossY(p.otherLossPercent(), maxLoss);
            wy[i] = lossY(p.withheldPercent(), maxLoss);
        }
        g.setColor(LATENCY);
        g.drawPolyline(lx, ly, points.size());
        g.setColor(LOSS);
        g.drawPolyline(lx, qy, points.size());
        g.setColor(WITHHELD);
        g.drawPolyline(lx, wy, points.size());
        for (int i = 0; i < points.size(); i++) {
            g.setColor(LATENCY);
            g.fillOval(lx[i] - 4, ly[i] - 4, 8, 8);
            g.drawString(points.get(i).label(), lx[i] - 10, ly[i] - 8);
            g.setColor(LOSS);
            g.fillRect(lx[i] - 3, qy[i] - 3, 6, 6);
            g.setColor(WITHHELD);
            g.fillOval(lx[i] - 4, wy[i] - 4, 8, 8);
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("Junction capacity: latency p99 (blue); loss: video the bridge withheld (orange), lost on the way (red)",
                LEFT, 22);
        g.dispose();
        return img;
    }

    /** The pixel row of a loss of {@code percent} on an axis from 0 up to {@code maxLoss} percent. */
    private static int lossY(double percent, double maxLoss) {
        return TOP + PLOT_H - (int) (percent / maxLoss * PLOT_H);
    }

    /** The pixel row of log10(latency in ms) on an axis from {@link #MIN_LOG} up to {@code maxLog}. */
    private static int latencyY(double log, double maxLog) {
        return TOP + PLOT_H - (int) ((log - MIN_LOG) / (maxLog - MIN_LOG) * PLOT_H);
    }
}
