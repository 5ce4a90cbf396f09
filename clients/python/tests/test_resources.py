"""Resource builders, sums, containment and the text form."""

import unittest

from mesos import resources as r


class ResourcesTest(unittest.TestCase):
    def test_builders_make_v1_resources(self):
        self.assertEqual(r.cpus(0.5), {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.5}})
        self.assertEqual(r.mem(32, role="web", allocation_role="web"), {
            "name": "mem", "type": "SCALAR", "scalar": {"value": 32.0},
            "reservations": [{"type": "STATIC", "role": "web"}], "allocation_info": {"role": "web"}})
        self.assertEqual(r.ports([(31000, 31005), 31010]), {
            "name": "ports", "type": "RANGES",
            "ranges": {"range": [{"begin": 31000, "end": 31005}, {"begin": 31010, "end": 31010}]}})
        self.assertEqual(r.set_of("disks", ["b", "a", "a"])["set"], {"item": ["a", "b"]})
        self.assertEqual(r.scalar("gpus", 1.23456)["scalar"]["value"], 1.235)
        with self.assertRaises(ValueError):
            r.ports([(5, 4)])

    def test_sums_use_fixed_point(self):
        offered = [r.cpus(0.1), r.cpus(0.2), r.mem(100)]
        self.assertEqual(r.scalar_total(offered, "cpus"), 0.3)
        self.assertEqual(r.scalar_total(offered, "disk"), 0.0)
        self.assertTrue(r.fits([r.cpus(0.3)], [r.cpus(0.1), r.cpus(0.2)]))
        self.assertFalse(r.fits([r.cpus(0.3)], offered))
        self.assertTrue(r.fits(offered, [r.cpus(0.3)]))
        self.assertFalse(r.fits(offered, [r.cpus(0.301)]))
        self.assertFalse(r.fits(offered, [r.disk(1)]))

    def test_ranges_merge_and_contain(self):
        offered = [r.ports([(31000, 31001)]), r.ports([(31002, 31004), (32000, 32000)])]
        self.assertEqual(r.ranges_total(offered, "ports"), [(31000, 31004), (32000, 32000)])
        self.assertTrue(r.fits(offered, [r.ports([(31001, 31003), 32000])]))
        self.assertFalse(r.fits(offered, [r.ports([(31004, 31005)])]))
        self.assertEqual(r.pick_ports(offered, 6), [31000, 31001, 31002, 31003, 31004, 32000])
        with self.assertRaises(ValueError):
            r.pick_ports(offered, 7)

    def test_sets_contain(self):
        offered = [r.set_of("disks", ["a", "b"])]
        self.assertTrue(r.fits(offered, [r.set_of("disks", ["b"])]))
        self.assertFalse(r.fits(offered, [r.set_of("disks", ["c"])]))

    def test_parse_the_text_form(self):
        parsed = r.parse("cpus:1.5; mem(web):128;ports:[31000-31005, 32000-32000];disks:{a,b}")
        self.assertEqual(parsed, [
            r.cpus(1.5), r.mem(128, role="web"), r.ports([(31000, 31005), (32000, 32000)]),
            r.set_of("disks", ["a", "b"])])
        self.assertEqual(r.parse("cpus:1", allocation_role="*")[0]["allocation_info"], {"role": "*"})
        for bad in ["cpus", "cpus:", "cpus:x", "ports:[1-]", "ports:[5]", "cpus:-1", "(r):1"]:
            with self.assertRaises(ValueError, msg=bad):
                r.parse(bad)

    def test_with_allocation_role_copies(self):
        original = [r.cpus(1)]
        allocated = r.with_allocation_role(original, "web")
        self.assertEqual(allocated[0]["allocation_info"], {"role": "web"})
        self.assertNotIn("allocation_info", original[0])


if __name__ == "__main__":
    unittest.main()
