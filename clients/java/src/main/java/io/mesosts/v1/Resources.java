package io.mesosts.v1;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Building and comparing Resource messages. Scalars are compared in Mesos fixed point (three
 * decimals), so 0.1 + 0.2 fits into 0.3; ranges are inclusive {begin, end} pairs.
 */
public final class Resources {
    private Resources() {
    }

    private static long fixed(double value) {
        return Math.round(value * 1000);
    }

    public static Map<String, Object> scalar(String name, double value) {
        return Json.obj("name", name, "type", "SCALAR", "scalar", Json.obj("value", fixed(value) / 1000.0));
    }

    public static Map<String, Object> cpus(double value) {
        return scalar("cpus", value);
    }

    public static Map<String, Object> mem(double megabytes) {
        return scalar("mem", megabytes);
    }

    public static Map<String, Object> disk(double megabytes) {
        return scalar("disk", megabytes);
    }

    /** A RANGES resource from {begin, end} pairs. */
    public static Map<String, Object> ranges(String name, long[]... spans) {
        List<Object> items = new ArrayList<Object>();
        for (long[] span : spans) {
            if (span.length != 2 || span[0] > span[1]) {
                throw new IllegalArgumentException("a range is {begin, end} with begin <= end");
            }
            items.add(Json.obj("begin", span[0], "end", span[1]));
        }
        return Json.obj("name", name, "type", "RANGES", "ranges", Json.obj("range", items));
    }

    public static Map<String, Object> ports(long[]... spans) {
        return ranges("ports", spans);
    }

    /** The same resource with allocation_info {role} (MULTI_ROLE frameworks echo the offer's). */
    public static Map<String, Object> allocatedTo(Map<String, Object> resource, String role) {
        Map<String, Object> copy = Json.obj();
        copy.putAll(resource);
        copy.put("allocation_info", Json.obj("role", role));
        return copy;
    }

    /** The sum of the scalar resources called name. */
    public static double scalarTotal(List<?> resources, String name) {
        long total = 0;
        for (Object r : resources) {
            Number v = Json.getNumber(r, "scalar", "value");
            if (name.equals(Json.getString(r, "name")) && v != null) {
                total += fixed(v.doubleValue());
            }
        }
        return total / 1000.0;
    }

    /** The merged, sorted ranges of the resources called name. */
    public static List<long[]> rangesTotal(List<?> resources, String name) {
        List<long[]> spans = new ArrayList<long[]>();
        for (Object r : resources) {
            if (!name.equals(Json.getString(r, "name"))) {
                continue;
            }
            for (Object range : Json.getList(r, "ranges", "range")) {
                spans.add(new long[] {Json.getNumber(range, "begin").longValue(), Json.getNumber(range, "end").longValue()});
            }
        }
        Collections.sort(spans, (a, b) -> Long.compare(a[0], b[0]));
        List<long[]> merged = new ArrayList<long[]>();
        for (long[] span : spans) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && span[0] <= last[1] + 1) {
                last[1] = Math.max(last[1], span[1]);
            } else {
                merged.add(new long[] {span[0], span[1]});
            }
        }
        return merged;
    }

    /** True when every scalar and range of wanted is contained in available. */
    public static boolean fits(List<?> available, List<?> wanted) {
        for (Object w : wanted) {
            String name = Json.getString(w, "name");
            String type = Json.getString(w, "type");
            if ("SCALAR".equals(type) && fixed(scalarTotal(wanted, name)) > fixed(scalarTotal(available, name))) {
                return false;
            }
            if ("RANGES".equals(type)) {
                List<long[]> have = rangesTotal(available, name);
                for (long[] need : rangesTotal(wanted, name)) {
                    boolean inside = false;
                    for (long[] h : have) {
                        inside |= h[0] <= need[0] && need[1] <= h[1];
                    }
                    if (!inside) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
