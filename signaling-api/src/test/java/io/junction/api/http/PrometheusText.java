package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A strict reader of the Prometheus text format (0.0.4) for tests. */
public final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})? "
                    + "(-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    /** Label keys junction_ metrics may use: all of bounded cardinality. */
    public static final Set<String> ALLOWED_JUNCTION_LABELS =
            Set.of("kind", "direction", "reason", "type", "result", "worker", "conference", "quantile");

    private PrometheusText() {}

    /** Every sample, keyed by {@code name{labels}} exactly as written; fails on a malformed line. */
    public static Map<String, Double> parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                assertTrue(line.matches("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*"), "line " + lineNo + ": " + line);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                fail("line " + lineNo + " is not a Prometheus sample: " + line);
            }
            String v = m.group(3);
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)),
                    v.equals("NaN") ? Double.NaN : Double.parseDouble(v.replace("+Inf", "Infinity")));
        }
        return out;
    }

    /** Metric family names (from # TYPE lines and sample names). */
    public static Set<String> metricFamilies(String text) {
        Set<String> names = new HashSet<>();
        for (String key : parse(text).keySet()) {
            int brace = key.indexOf('{');
            names.add(brace < 0 ? key : key.substring(0, brace));
        }
        return names;
    }

    /** Counters ({@code _total} samples) present in both scrapes never go down. */
    public static void assertCountersDidNotDecrease(String before, String after) {
        Map<String, Double> a = parse(before);
        Map<String, Double> b = parse(after);
        for (var e : a.entrySet()) {
            String name = e.getKey();
            int brace = name.indexOf('{');
            String family = brace < 0 ? name : name.substring(0, brace);
            if (!family.endsWith("_total") || !b.containsKey(name)) {
                continue; // only counters: a gauge may merely contain "_total" (jvm_buffer_total_capacity_bytes)
            }
            assertTrue(b.get(name) >= e.getValue(), name + " decreased: " + e.getValue() + " -> " + b.get(name));
        }
    }

    /**
     * junction_ metrics use only bounded label keys; no label value anywhere equals an endpoint id;
     * the conference id appears only as the value of a "conference" label.
     */
    public static void assertBoundedLabels(String text, Set<String> endpointIds, String conferenceId) {
        for (String key : parse(text).keySet()) {
            int brace = key.indexOf('{');
            if (brace < 0) {
                continue;
            }
            String name = key.substring(0, brace);
            Matcher m = LABEL.matcher(key.substring(brace));
            while (m.find()) {
                String label = m.group(1);
                String value = m.group(2);
                if (name.startsWith("junction_")) {
                    assertTrue(ALLOWED_JUNCTION_LABELS.contains(label), key + ": label '" + label + "' is not bounded");
                }
                assertFalse(endpointIds.contains(value), key + ": carries an endpoint id");
                if (value.equals(conferenceId)) {
                    assertTrue(label.equals("conference"), key + ": conference id outside the conference label");
                }
            }
        }
    }
}
