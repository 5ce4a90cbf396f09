"""SchedulerClient against a fake master: the wire format of calls, event dispatch,
acknowledgements, redirects and reconnection."""

import base64
import threading
import time
import unittest

from fake_server import FakeApi
from mesos.scheduler import Scheduler, SchedulerCallError, SchedulerClient, command_task

FRAMEWORK = {"user": "tester", "name": "unit"}


def subscribed_event(framework_id="fw-1", interval=15.0):
    return {
        "type": "SUBSCRIBED",
        "subscribed": {"framework_id": {"value": framework_id}, "heartbeat_interval_seconds": interval},
    }


class Recorder(Scheduler):
    """Records (method, args) of every callback."""

    def __init__(self):
        self.events = []
        self.cond = threading.Condition()
        self.raise_on_update = False

    def _record(self, name, *args):
        with self.cond:
            self.events.append((name,) + args)
            self.cond.notify_all()

    def wait(self, name, count=1, timeout=5.0):
        with self.cond:
            ok = self.cond.wait_for(lambda: len(self.named(name)) >= count, timeout)
        if not ok:
            raise AssertionError("no %d %r callbacks; got %r" % (count, name, self.events))
        return self.named(name)

    def named(self, name):
        return [e[1:] for e in self.events if e[0] == name]

    def subscribed(self, client, framework_id, master_info):
        self._record("subscribed", framework_id, master_info)

    def offers(self, client, offers):
        self._record("offers", offers)

    def rescind(self, client, offer_id):
        self._record("rescind", offer_id)

    def update(self, client, status):
        self._record("update", status)
        if self.raise_on_update:
            raise RuntimeError("handler failure")

    def message(self, client, agent_id, executor_id, data):
        self._record("message", agent_id, executor_id, data)

    def failure(self, client, agent_id, executor_id, status):
        self._record("failure", agent_id, executor_id, status)

    def error(self, client, message):
        self._record("error", message)

    def heartbeat(self, client):
        self._record("heartbeat")

    def disconnected(self, client, reason):
        self._record("disconnected", reason)


class SchedulerClientTest(unittest.TestCase):
    def setUp(self):
        self.master = FakeApi("/api/v1/scheduler")
        self.master.on_subscribe = lambda request: [subscribed_event()]
        self.handler = Recorder()
        self.clients = []

    def tearDown(self):
        for client in self.clients:
            client.stop()
        self.master.shutdown()

    def start(self, master=None, **options):
        options.setdefault("timeout", 5.0)
        client = SchedulerClient(master or self.master.address, FRAMEWORK, self.handler, **options)
        self.clients.append(client)
        client.start()
        self.assertTrue(client.wait_subscribed(5), "not subscribed: %r" % (self.handler.events,))
        return client

    def test_subscribe_sends_framework_info_and_keeps_the_stream_id(self):
        client = self.start(failover_timeout=30, suppressed_roles=["web"])
        request = self.master.subscriptions[0]
        self.assertEqual(request.path, "/api/v1/scheduler")
        self.assertEqual(request.headers["content-type"], "application/json")
        self.assertEqual(request.headers["accept"], "application/json")
        self.assertNotIn("mesos-stream-id", request.headers)
        self.assertEqual(request.json["type"], "SUBSCRIBE")
        self.assertEqual(
            request.json["subscribe"],
            {"framework_info": {"user": "tester", "name": "unit", "failover_timeout": 30.0}, "suppressed_roles": ["web"]},
        )
        self.assertNotIn("framework_id", request.json)
        self.assertEqual(self.handler.wait("subscribed"), [("fw-1", None)])
        self.assertEqual(client.framework_id, "fw-1")
        self.assertEqual(client.stream_id, "stream-1")
        self.assertEqual(client.framework_info["id"], {"value": "fw-1"})

    def test_a_credential_goes_as_http_basic_on_every_call_and_names_the_principal(self):
        client = self.start(principal="fw", secret="s3:cret")
        expected = "Basic " + base64.b64encode(b"fw:s3:cret").decode()
        request = self.master.subscriptions[0]
        self.assertEqual(request.headers["authorization"], expected)
        self.assertEqual(request.json["subscribe"]["framework_info"]["principal"], "fw")
        client.revive()
        self.assertEqual(self.master.calls_of("REVIVE")[0].headers["authorization"], expected)
        with self.assertRaises(ValueError):
            SchedulerClient(self.master.address, FRAMEWORK, self.handler, principal="a:b", secret="x")

    def test_events_reach_the_handler_decoded(self):
        self.start()
        offer = {"id": {"value": "o1"}, "agent_id": {"value": "a1"}, "resources": []}
        self.master.push({"type": "OFFERS", "offers": {"offers": [offer]}})
        self.master.push({"type": "RESCIND", "rescind": {"offer_id": {"value": "o1"}}})
        self.master.push({"type": "MESSAGE", "message": {"agent_id": {"value": "a1"}, "executor_id": {"value": "e1"},
                                                         "data": base64.b64encode(b"\x00hi").decode()}})
        self.master.push({"type": "FAILURE", "failure": {"agent_id": {"value": "a1"}}})
        self.master.push({"type": "HEARTBEAT"})
        self.handler.wait("heartbeat")
        self.assertEqual(self.handler.named("offers"), [([offer],)])
        self.assertEqual(self.handler.named("rescind"), [("o1",)])
        self.assertEqual(self.handler.named("message"), [("a1", "e1", b"\x00hi")])
        self.assertEqual(self.handler.named("failure"), [("a1", None, None)])

    def test_updates_are_acknowledged_after_the_handler_returns(self):
        client = self.start()
        status = {"task_id": {"value": "t1"}, "state": "TASK_RUNNING", "agent_id": {"value": "a1"}, "uuid": "AAEC"}
        self.master.push({"type": "UPDATE", "update": {"status": status}})
        # An update without a uuid (reconciliation) is not acknowledged.
        self.master.push({"type": "UPDATE", "update": {"status": {"task_id": {"value": "t2"}, "state": "TASK_LOST"}}})
        self.master.wait_for(lambda m: m.calls_of("ACKNOWLEDGE"), what="ACKNOWLEDGE")
        self.handler.wait("update", 2)
        time.sleep(0.1)
        acks = self.master.calls_of("ACKNOWLEDGE")
        self.assertEqual(len(acks), 1)
        self.assertEqual(acks[0].headers["mesos-stream-id"], client.stream_id)
        self.assertEqual(acks[0].json, {
            "type": "ACKNOWLEDGE",
            "framework_id": {"value": "fw-1"},
            "acknowledge": {"agent_id": {"value": "a1"}, "task_id": {"value": "t1"}, "uuid": "AAEC"},
        })

    def test_no_acknowledgement_when_disabled_or_when_the_handler_raises(self):
        self.start(auto_acknowledge=False)
        status = {"task_id": {"value": "t1"}, "state": "TASK_RUNNING", "agent_id": {"value": "a1"}, "uuid": "AAEC"}
        self.master.push({"type": "UPDATE", "update": {"status": status}})
        self.handler.wait("update")
        self.handler.raise_on_update = True
        self.clients[0].auto_acknowledge = True
        with self.assertLogs("mesos.scheduler", "ERROR") as logs:
            self.master.push({"type": "UPDATE", "update": {"status": status}})
            self.master.push({"type": "HEARTBEAT"})
            self.handler.wait("heartbeat")
        self.assertIn("update handler raised", logs.output[0])
        self.assertEqual(self.master.calls_of("ACKNOWLEDGE"), [])

    def test_every_call_has_the_documented_body(self):
        client = self.start()
        task = command_task("t1", "a1", "echo hi", [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}],
                            environment={"B": 2, "A": "x"})
        client.launch("o1", [task], refuse_seconds=7)
        client.decline(["o2", {"value": "o3"}], refuse_seconds=60)
        client.revive()
        client.revive(roles=["web"])
        client.suppress(["web"])
        client.kill("t1", agent_id="a1")
        client.shutdown("e1", "a1")
        client.reconcile()
        client.reconcile(["t1", ("t2", "a2")])
        client.message("a1", "e1", b"\xffdata")
        client.teardown_call()
        bodies = [c.json for c in self.master.calls]
        for body in bodies:
            self.assertEqual(body["framework_id"], {"value": "fw-1"})
            del body["framework_id"]
        self.assertEqual(bodies, [
            {"type": "ACCEPT", "accept": {
                "offer_ids": [{"value": "o1"}],
                "operations": [{"type": "LAUNCH", "launch": {"task_infos": [{
                    "name": "t1", "task_id": {"value": "t1"}, "agent_id": {"value": "a1"},
                    "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}],
                    "command": {"shell": True, "value": "echo hi", "environment": {"variables": [
                        {"name": "A", "value": "x"}, {"name": "B", "value": "2"}]}}}]}}],
                "filters": {"refuse_seconds": 7.0}}},
            {"type": "DECLINE", "decline": {"offer_ids": [{"value": "o2"}, {"value": "o3"}],
                                            "filters": {"refuse_seconds": 60.0}}},
            {"type": "REVIVE"},
            {"type": "REVIVE", "revive": {"roles": ["web"]}},
            {"type": "SUPPRESS", "suppress": {"roles": ["web"]}},
            {"type": "KILL", "kill": {"task_id": {"value": "t1"}, "agent_id": {"value": "a1"}}},
            {"type": "SHUTDOWN", "shutdown": {"executor_id": {"value": "e1"}, "agent_id": {"value": "a1"}}},
            {"type": "RECONCILE", "reconcile": {"tasks": []}},
            {"type": "RECONCILE", "reconcile": {"tasks": [
                {"task_id": {"value": "t1"}}, {"task_id": {"value": "t2"}, "agent_id": {"value": "a2"}}]}},
            {"type": "MESSAGE", "message": {"agent_id": {"value": "a1"}, "executor_id": {"value": "e1"},
                                            "data": base64.b64encode(b"\xffdata").decode()}},
            {"type": "TEARDOWN"},
        ])
        self.assertTrue(all(c.headers["mesos-stream-id"] == "stream-1" for c in self.master.calls))

    def test_an_error_status_raises_with_the_masters_message(self):
        client = self.start()
        self.master.call_status = 403
        self.master.call_body = b"Framework is not subscribed"
        with self.assertRaises(SchedulerCallError) as caught:
            client.revive()
        self.assertEqual(caught.exception.status, 403)
        self.assertIn("REVIVE failed with HTTP 403: Framework is not subscribed", str(caught.exception))

    def test_calls_before_subscribing_raise(self):
        client = SchedulerClient(self.master.address, FRAMEWORK, self.handler)
        with self.assertRaises(SchedulerCallError) as caught:
            client.revive()
        self.assertEqual(caught.exception.status, 0)

    def test_a_broken_stream_resubscribes_with_the_framework_id(self):
        client = self.start(failover_timeout=60)
        self.master.close_streams()
        self.handler.wait("subscribed", 2)
        self.assertIn("closed", self.handler.named("disconnected")[0][0])
        again = self.master.subscriptions[1].json
        self.assertEqual(again["framework_id"], {"value": "fw-1"})
        self.assertEqual(again["subscribe"]["framework_info"]["id"], {"value": "fw-1"})
        self.master.wait_for(lambda m: client.stream_id == "stream-2", what="the new stream id")

    def test_silence_for_several_heartbeat_intervals_breaks_the_stream(self):
        self.master.on_subscribe = lambda request: [subscribed_event(interval=0.1)]
        self.start(missed_heartbeats=2)
        self.handler.wait("subscribed", 2)
        self.assertIn("heartbeat", self.handler.named("disconnected")[0][0])

    def test_without_reconnect_the_client_stops_when_the_stream_ends(self):
        client = self.start(reconnect=False)
        self.master.close_streams()
        self.assertTrue(client.join(5))
        self.assertEqual(len(self.master.subscriptions), 1)
        self.assertEqual(len(self.handler.named("disconnected")), 1)

    def test_an_error_event_stops_the_client(self):
        client = self.start()
        self.master.push({"type": "ERROR", "error": {"message": "Framework has been removed"}})
        self.master.close_streams()
        self.assertTrue(client.join(5))
        self.assertEqual(self.handler.named("error"), [("Framework has been removed",)])
        self.assertEqual(len(self.master.subscriptions), 1)

    def test_a_refused_subscription_is_reported_as_an_error_and_not_retried(self):
        self.master.subscribe_status = 400
        self.master.subscribe_body = b"Invalid FrameworkInfo"
        client = SchedulerClient(self.master.address, FRAMEWORK, self.handler, timeout=5.0)
        self.clients.append(client)
        client.start()
        self.assertTrue(client.join(5))
        self.assertEqual(self.handler.named("error"), [("SUBSCRIBE failed with HTTP 400: Invalid FrameworkInfo",)])
        self.assertEqual(client.last_error, "SUBSCRIBE failed with HTTP 400: Invalid FrameworkInfo")

    def test_a_redirect_leads_to_the_leading_master(self):
        follower = FakeApi("/api/v1/scheduler")
        try:
            follower.subscribe_status = 307
            follower.subscribe_headers = {"Location": "//%s/api/v1/scheduler" % self.master.address}
            client = self.start(master="http://" + follower.address)
            self.assertEqual(client.master, "http://" + self.master.address)
            client.revive()
            self.assertEqual(len(self.master.calls_of("REVIVE")), 1)
            self.assertEqual(follower.calls, [])
        finally:
            follower.shutdown()

    def test_stop_with_teardown_sends_teardown(self):
        client = self.start()
        client.stop(teardown=True)
        self.assertFalse(client.running)
        self.assertEqual(len(self.master.calls_of("TEARDOWN")), 1)
        self.assertEqual(self.handler.named("disconnected"), [])

    def test_stop_from_a_handler_tears_down_without_acknowledging(self):
        class StopOnUpdate(Recorder):
            def update(self, client, status):
                Recorder.update(self, client, status)
                client.stop(teardown=True)

        self.handler = StopOnUpdate()
        client = self.start()
        status = {"task_id": {"value": "t1"}, "state": "TASK_FINISHED", "agent_id": {"value": "a1"}, "uuid": "AAEC"}
        self.master.push({"type": "UPDATE", "update": {"status": status}})
        self.assertTrue(client.join(5))
        self.assertEqual(len(self.master.calls_of("TEARDOWN")), 1)
        self.assertEqual(self.master.calls_of("ACKNOWLEDGE"), [])

    def test_master_addresses(self):
        for address, url in [
            ("10.0.0.1", "http://10.0.0.1:5050"),
            ("10.0.0.1:5051", "http://10.0.0.1:5051"),
            ("http://m.example:80/", "http://m.example:80"),
            ("https://m.example:8443", "https://m.example:8443"),
            ("[::1]:5050", "http://[::1]:5050"),
        ]:
            self.assertEqual(SchedulerClient(address, FRAMEWORK, self.handler).master, url)
        for bad in ["zk://zk1:2181", "http://", "host:99999", "ftp://x:1", ","]:
            with self.assertRaises(ValueError, msg=bad):
                SchedulerClient(bad, FRAMEWORK, self.handler)
        with self.assertRaises(ValueError):
            SchedulerClient("m:5050", {"user": "u"}, self.handler)


if __name__ == "__main__":
    unittest.main()
