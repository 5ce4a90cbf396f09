"""Finding the leading master: a list of masters asked for /master/redirect, zk:// read with
kazoo (a stand-in module here; the real one is optional), file:// values, and the scheduler
client subscribing again with the new leader when leadership moves."""

import json
import os
import sys
import tempfile
import types
import unittest

from fake_server import FakeApi
from mesos import leader, transport
from mesos.scheduler import SchedulerClient
from test_scheduler import FRAMEWORK, Recorder, subscribed_event


def dead_address():
    """host:port where nothing listens."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "127.0.0.1:%d" % port


class FakeKazoo(object):
    """The part of kazoo.client.KazooClient the finder uses, over a dict of znodes."""

    znodes = {}
    started = []

    def __init__(self, hosts, timeout, auth_data, read_only):
        FakeKazoo.started.append((hosts, auth_data))

    def start(self, timeout):
        pass

    def get_children(self, path):
        prefix = path + "/"
        return [p[len(prefix):] for p in FakeKazoo.znodes if p.startswith(prefix)]

    def get(self, path):
        return FakeKazoo.znodes[path], None

    def stop(self):
        pass

    def close(self):
        pass


def master_info_json(address):
    host, port = address.split(":")
    return json.dumps({
        "id": "m-%s" % port,
        "pid": "master@%s:%s" % (host, port),
        "port": int(port),
        "address": {"ip": host, "port": int(port), "hostname": "localhost"},
    }).encode("utf-8")


class WithoutKazoo(object):
    def __enter__(self):
        self.saved = dict((k, sys.modules.get(k)) for k in ("kazoo", "kazoo.client"))
        sys.modules["kazoo"] = None
        sys.modules["kazoo.client"] = None

    def __exit__(self, *exc):
        for name, module in self.saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


class WithFakeKazoo(WithoutKazoo):
    def __enter__(self):
        WithoutKazoo.__enter__(self)
        package = types.ModuleType("kazoo")
        client = types.ModuleType("kazoo.client")
        client.KazooClient = FakeKazoo
        package.client = client
        sys.modules["kazoo"] = package
        sys.modules["kazoo.client"] = client
        FakeKazoo.znodes = {}
        FakeKazoo.started = []


class PureTest(unittest.TestCase):
    def test_the_smallest_sequence_leads_and_other_children_are_no_members(self):
        self.assertEqual(leader.leader_member(["json.info_0000000007", "log_replicas", "json.info_0000000003"]),
                         "json.info_0000000003")
        self.assertEqual(leader.leader_member(["info_12", "0000000002"]), "0000000002")
        self.assertIsNone(leader.leader_member(["log_replicas"]))

    def test_the_leaders_address_from_each_form_mesos_writes(self):
        self.assertEqual(leader.master_endpoint("json.info_1", master_info_json("10.0.0.5:5050")),
                         transport.Endpoint("10.0.0.5", 5050))
        no_pid = json.dumps({"id": "x", "port": 5051, "address": {"ip": "10.0.0.6", "port": 5051}}).encode()
        self.assertEqual(leader.master_endpoint("json.info_1", no_pid), transport.Endpoint("10.0.0.6", 5051))
        self.assertEqual(leader.master_endpoint("0000000001", b"master@10.0.0.7:5050"), transport.Endpoint("10.0.0.7", 5050))
        with self.assertRaises(leader.LeaderNotFound):
            leader.master_endpoint("info_1", b"\x08\x01")

    def test_zk_urls_as_mesos_reads_them_and_printed_without_the_password(self):
        url = leader.ZkUrl("zk://u:secret@zk1:2181,zk2:2181/mesos/")
        self.assertEqual((url.credentials, url.servers, url.path), ("u:secret", "zk1:2181,zk2:2181", "/mesos"))
        self.assertEqual(str(url), "zk://u:****@zk1:2181,zk2:2181/mesos")
        for bad in ["zk://zk1:2181", "zk://zk1:2181/", "zk:///mesos"]:
            with self.assertRaises(ValueError, msg=bad):
                leader.ZkUrl(bad)

    def test_a_list_of_masters_and_file_values(self):
        finder = leader.finder("m1:5050, m2 ,http://m3:5051", 5050)
        self.assertTrue(finder.follows)
        self.assertEqual(finder.endpoints, [transport.Endpoint("m1", 5050), transport.Endpoint("m2", 5050),
                                            transport.Endpoint("m3", 5051)])
        self.assertFalse(leader.finder("m1:5050", 5050).follows)
        with tempfile.NamedTemporaryFile("w", suffix="-masters", delete=False) as handle:
            handle.write("m1:5050,m2:5050\n")
        try:
            self.assertEqual(len(leader.finder("file://" + handle.name, 5050).endpoints), 2)
        finally:
            os.unlink(handle.name)
        for bad in [",", "m1:5050,zk://z:2181/mesos", "m1:99999,m2:5050"]:
            with self.assertRaises(ValueError, msg=bad):
                leader.finder(bad, 5050)
        with self.assertRaises(ValueError) as caught:
            leader.finder("file:///nonexistent/zk", 5050)
        self.assertIn("/nonexistent/zk", str(caught.exception))

    def test_zk_without_kazoo_says_what_to_install_and_the_alternative(self):
        with WithoutKazoo():
            with self.assertRaises(ValueError) as caught:
                SchedulerClient("zk://zk1:2181/mesos", FRAMEWORK, Recorder())
        message = str(caught.exception)
        self.assertIn("pip install kazoo", message)
        self.assertIn("host1:5050,host2:5050", message)
        self.assertIn("/master/redirect", message)


class FollowingTest(unittest.TestCase):
    def setUp(self):
        self.leader = FakeApi("/api/v1/scheduler")
        self.follower = FakeApi("/api/v1/scheduler")
        self.apis = [self.leader, self.follower]
        for api in self.apis:
            api.on_subscribe = lambda request: [subscribed_event()]
            api.redirect_location = "//%s" % self.leader.address
        self.handler = Recorder()
        self.clients = []

    def tearDown(self):
        for client in self.clients:
            client.stop()
        for api in self.apis:
            api.shutdown()

    def start(self, master):
        client = SchedulerClient(master, FRAMEWORK, self.handler, timeout=5.0, max_backoff=0.2)
        self.clients.append(client)
        client.start()
        self.assertTrue(client.wait_subscribed(10), "not subscribed: %r" % (self.handler.events,))
        return client

    def test_a_list_of_masters_subscribes_with_the_one_master_redirect_names(self):
        client = self.start("%s,%s,%s" % (dead_address(), self.follower.address, self.leader.address))
        self.assertEqual(client.master, "http://" + self.leader.address)
        self.assertEqual(len(self.leader.subscriptions), 1)
        self.assertEqual(self.follower.subscriptions, [])
        self.assertEqual(self.follower.redirect_requests, 1, "the dead master was skipped, the follower asked")

    def test_a_single_master_pointing_at_itself_is_enough(self):
        client = self.start("%s,%s" % (self.leader.address, self.leader.address))
        self.assertEqual(client.master, "http://" + self.leader.address)

    def test_when_leadership_moves_the_client_subscribes_with_the_new_leader_and_its_framework_id(self):
        client = self.start("%s,%s" % (self.follower.address, self.leader.address))
        self.assertEqual(client.framework_id, "fw-1")
        # The follower now leads: every master's /master/redirect says so, the old leader goes.
        for api in self.apis:
            api.redirect_location = "//%s" % self.follower.address
        self.leader.close_streams()
        self.follower.wait_for(lambda f: len(f.subscriptions) == 1, 10, "a subscription with the new leader")
        call = self.follower.subscriptions[0].json
        self.assertEqual(call["framework_id"], {"value": "fw-1"})
        self.assertEqual(call["subscribe"]["framework_info"]["id"], {"value": "fw-1"})
        self.assertTrue(client.wait_subscribed(5))
        self.assertEqual(client.master, "http://" + self.follower.address)

    def test_no_leader_yet_is_retried_until_one_is_named(self):
        for api in self.apis:
            api.redirect_location = None
        client = SchedulerClient("%s,%s" % (self.follower.address, self.leader.address), FRAMEWORK, self.handler,
                                 timeout=5.0, max_backoff=0.2)
        self.clients.append(client)
        client.start()
        reasons = self.handler.wait("disconnected")
        self.assertIn("no leading master found among", reasons[0][0])
        self.assertIn("503 No leader elected", reasons[0][0])
        self.follower.redirect_location = "//%s" % self.leader.address
        self.assertTrue(client.wait_subscribed(10))
        self.assertEqual(client.master, "http://" + self.leader.address)

    def test_zk_with_kazoo_subscribes_with_the_member_of_the_smallest_sequence(self):
        with WithFakeKazoo():
            FakeKazoo.znodes = {
                "/mesos/log_replicas": b"",
                "/mesos/json.info_0000000004": master_info_json(self.follower.address),
                "/mesos/json.info_0000000002": master_info_json(self.leader.address),
            }
            client = self.start("zk://u:pw@127.0.0.1:2181/mesos")
            self.assertEqual(client.master, "http://" + self.leader.address)
            self.assertEqual(FakeKazoo.started[0], ("127.0.0.1:2181", [("digest", "u:pw")]))
            # The leader's znode goes (its session ended): the next one leads.
            del FakeKazoo.znodes["/mesos/json.info_0000000002"]
            self.leader.close_streams()
            self.follower.wait_for(lambda f: len(f.subscriptions) == 1, 10, "a subscription with the new leader")
            self.assertEqual(self.follower.subscriptions[0].json["framework_id"], {"value": "fw-1"})


if __name__ == "__main__":
    unittest.main()
