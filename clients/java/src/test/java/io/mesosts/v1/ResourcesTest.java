package io.mesosts.v1;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

public final class ResourcesTest {
    public void testBuilders() {
        Check.equal("{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5}}", Json.write(Resources.cpus(0.5)));
        Check.equal(1.235, Json.getNumber(Resources.scalar("gpus", 1.23456), "scalar", "value"));
        Check.equal("{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":{\"range\":[{\"begin\":31000,\"end\":31005}]}}",
            Json.write(Resources.ports(new long[] {31000, 31005})));
        Check.equal(Json.obj("role", "web"), Resources.allocatedTo(Resources.mem(1), "web").get("allocation_info"));
        Check.throwsA(IllegalArgumentException.class, () -> Resources.ports(new long[] {5, 4}));
    }

    public void testScalarsInFixedPoint() {
        List<Map<String, Object>> offered = Arrays.asList(Resources.cpus(0.1), Resources.cpus(0.2), Resources.mem(64));
        Check.equal(0.3, Resources.scalarTotal(offered, "cpus"));
        Check.isTrue(Resources.fits(offered, Arrays.asList(Resources.cpus(0.3), Resources.mem(64))), "exact fit");
        Check.isTrue(!Resources.fits(offered, Arrays.asList(Resources.cpus(0.301))), "too many cpus");
        Check.isTrue(!Resources.fits(offered, Arrays.asList(Resources.disk(1))), "no disk offered");
    }

    public void testRanges() {
        List<Map<String, Object>> offered = Arrays.asList(
            Resources.ports(new long[] {31000, 31001}), Resources.ports(new long[] {31002, 31004}, new long[] {32000, 32000}));
        List<long[]> merged = Resources.rangesTotal(offered, "ports");
        Check.equal(2, merged.size());
        Check.equal("[31000, 31004]", Arrays.toString(merged.get(0)));
        Check.isTrue(Resources.fits(offered, Arrays.asList(Resources.ports(new long[] {31001, 31003}, new long[] {32000, 32000}))), "inside");
        Check.isTrue(!Resources.fits(offered, Arrays.asList(Resources.ports(new long[] {31004, 31005}))), "outside");
    }
}
