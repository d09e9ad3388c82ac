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
 * with its file name. {@code loadtest/capacity.sh} runs the reports and calls it:
 * {@code java -cp junction-loadtest.jar io.junction.loadtest.CapacityPlot OUT.png REPORT.json...}
 */
public final class CapacityPlot {
    record Point(String label, double packetsPerSecond, double p99Ms, double lossPercent) {}

    private static final int W = 900;
    private static final int H = 520;
    private static final int LEFT = 80;
    private static final int RIGHT = 80;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;

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
        return new Point(name, r.path("forwardedPacketsPerSecond").asDouble(), r.path("latencyP99Ms").asDouble(),
                r.path("lossPercent").asDouble());
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
        double maxLoss = Math.max(1, points.stream().mapToDouble(Point::lossPercent).max().orElse(1) * 1.2);
        double minLog = -1; // 0.1 ms
        double maxLog = Math.max(3, Math.ceil(Math.log10(Math.max(1, points.stream().mapToDouble(Point::p99Ms).max().orElse(1)))));
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        // axes, grid and labels
        g.setColor(new Color(230, 230, 230));
        for (int e = (int) minLog; e <= maxLog; e++) {
            int y = TOP + plotH - (int) ((e - minLog) / (maxLog - minLog) * plotH);
            g.drawLine(LEFT, y, LEFT + plotW, y);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, plotW, plotH);
        for (int e = (int) minLog; e <= maxLog; e++) {
            int y = TOP + plotH - (int) ((e - minLog) / (maxLog - minLog) * plotH);
            g.drawString(e < 0 ? "0.1" : String.format(Locale.ROOT, "%.0f", Math.pow(10, e)), LEFT - 40, y + 4);
        }
        for (int i = 0; i <= 5; i++) {
            double x = maxX * i / 5;
            int px = LEFT + (int) (plotW * i / 5.0);
            g.drawString(String.format(Locale.ROOT, "%.0fk", x / 1000), px - 10, TOP + plotH + 18);
            double loss = maxLoss * i / 5;
            int py = TOP + plotH - (int) (plotH * i / 5.0);
            g.setColor(new Color(200, 60, 60));
            g.drawString(String.format(Locale.ROOT, "%.2f %%", loss), LEFT + plotW + 8, py + 4);
            g.setColor(Color.BLACK);
        }
        g.drawString("forwarded packets per second", LEFT + plotW / 2 - 80, H - 25);
        g.drawString("one-way latency p99 (ms, log)", 10, TOP - 15);
        g.setColor(new Color(200, 60, 60));
        g.drawString("loss", LEFT + plotW + 8, TOP - 15);
        // the real-time line: p99 10 ms
        int y10 = TOP + plotH - (int) ((1 - minLog) / (maxLog - minLog) * plotH);
        g.setColor(new Color(60, 140, 60));
        g.setStroke(new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        g.drawLine(LEFT, y10, LEFT + plotW, y10);
        g.drawString("p99 10 ms", LEFT + 5, y10 - 4);
        // the curves
        g.setStroke(new BasicStroke(2));
        int[] lx = new int[points.size()];
        int[] ly = new int[points.size()];
        int[] qy = new int[points.size()];
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            lx[i] = LEFT + (int) (p.packetsPerSecond() / maxX * plotW);
            double log = Math.log10(Math.max(0.1, p.p99Ms()));
            ly[i] = TOP + plotH - (int) ((log - minLog) / (maxLog - minLog) * plotH);
            qy[i] = TOP + plotH - (int) (p.lossPercent() / maxLoss * plotH);
        }
        g.setColor(new Color(40, 90, 200));
        g.drawPolyline(lx, ly, points.size());
        g.setColor(new Color(200, 60, 60));
        g.drawPolyline(lx, qy, points.size());
        for (int i = 0; i < points.size(); i++) {
            g.setColor(new Color(40, 90, 200));
            g.fillOval(lx[i] - 4, ly[i] - 4, 8, 8);
            g.drawString(points.get(i).label(), lx[i] - 10, ly[i] - 8);
            g.setColor(new Color(200, 60, 60));
            g.fillRect(lx[i] - 3, qy[i] - 3, 6, 6);
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("Junction capacity: latency p99 (blue) and loss (red) against load", LEFT, 22);
        g.dispose();
        return img;
    }
}
