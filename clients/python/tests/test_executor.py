"""ExecutorClient against a fake agent: environment, calls, unacknowledged bookkeeping,
resubscription with checkpointing and shutdown without."""

import base64
import threading
import unittest

from fake_server import FakeApi
from mesos import messages
from mesos.executor import Executor, ExecutorCallError, ExecutorClient, ExecutorEnvironment

SUBSCRIBED = {
    "type": "SUBSCRIBED",
    "subscribed": {
        "executor_info": {"executor_id": {"value": "e1"}},
        "framework_info": {"user": "u", "name": "f"},
        "agent_info": {"hostname": "h"},
        "container_id": {"value": "c1"},
    },
}
TASK = {"name": "t1", "task_id": {"value": "t1"}, "agent_id": {"value": "a1"}, "resources": []}


class Recorder(Executor):
    def __init__(self):
        self.events = []
        self.cond = threading.Condition()

    def _record(self, *event):
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def wait(self, name, count=1, timeout=5.0):
        with self.cond:
            ok = self.cond.wait_for(lambda: len(self.named(name)) >= count, timeout)
        if not ok:
            raise AssertionError("no %d %r callbacks; got %r" % (count, name, self.events))
        return self.named(name)

    def named(self, name):
        return [e[1:] for e in self.events if e[0] == name]

    def subscribed(self, client, executor_info, framework_info, agent_info, container_id):
        self._record("subscribed", executor_info, framework_info, agent_info, container_id)

    def launch(self, client, task):
        self._record("launch", task)

    def launch_group(self, client, task_group):
        self._record("launch_group", task_group)

    def kill(self, client, task_id, kill_policy):
        self._record("kill", task_id, kill_policy)

    def acknowledged(self, client, task_id, uuid):
        self._record("acknowledged", task_id, uuid)

    def message(self, client, data):
        self._record("message", data)

    def error(self, client, message):
        self._record("error", message)

    def shutdown(self, client):
        self._record("shutdown")

    def disconnected(self, client, reason):
        self._record("disconnected", reason)


def environ(agent, **extra):
    env = {"MESOS_FRAMEWORK_ID": "fw-1", "MESOS_EXECUTOR_ID": "e1", "MESOS_AGENT_ENDPOINT": agent.address,
           "MESOS_DIRECTORY": "/sandbox"}
    env.update(extra)
    return env


class EnvironmentTest(unittest.TestCase):
    def test_reads_the_agents_variables(self):
        env = ExecutorEnvironment.from_environ({
            "MESOS_FRAMEWORK_ID": "fw", "MESOS_EXECUTOR_ID": "ex", "MESOS_AGENT_ENDPOINT": "10.0.0.1:5051",
            "MESOS_DIRECTORY": "/d", "MESOS_CHECKPOINT": "1", "MESOS_RECOVERY_TIMEOUT": "15mins",
            "MESOS_SUBSCRIPTION_BACKOFF_MAX": "2secs", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "500ms",
            "MESOS_EXECUTOR_AUTHENTICATION_TOKEN": "tok"})
        self.assertEqual((env.framework_id, env.executor_id, env.agent_endpoint), ("fw", "ex", "10.0.0.1:5051"))
        self.assertEqual((env.directory, env.sandbox), ("/d", "/d"))
        self.assertTrue(env.checkpoint)
        self.assertEqual((env.recovery_timeout, env.subscription_backoff_max, env.shutdown_grace_period), (900.0, 2.0, 0.5))
        self.assertEqual(env.authentication_token, "tok")

    def test_missing_variables_are_named(self):
        with self.assertRaises(ValueError) as caught:
            ExecutorEnvironment.from_environ({"MESOS_FRAMEWORK_ID": "fw"})
        self.assertIn("MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT", str(caught.exception))

    def test_durations(self):
        cases = {"5secs": 5.0, "100ms": 0.1, "2mins": 120.0, "1hrs": 3600.0, "1days": 86400.0, "3ns": 3e-9,
                 "1.5weeks": 907200.0}
        for text, seconds in cases.items():
            self.assertAlmostEqual(messages.parse_duration(text), seconds, msg=text)
        for bad in ["5", "secs", "5 minutes"]:
            with self.assertRaises(ValueError, msg=bad):
                messages.parse_duration(bad)


class ExecutorClientTest(unittest.TestCase):
    def setUp(self):
        self.agent = FakeApi("/api/v1/executor", stream_id_header=False)
        self.agent.on_subscribe = lambda request: [SUBSCRIBED]
        self.handler = Recorder()
        self.clients = []

    def tearDown(self):
        for client in self.clients:
            client.stop()
        self.agent.shutdown()

    def start(self, **env):
        client = ExecutorClient(self.handler, environ(self.agent, **env), timeout=5.0)
        self.clients.append(client)
        client.start()
        self.assertTrue(client.wait_subscribed(5))
        return client

    def test_subscribe_identifies_the_executor(self):
        self.start(MESOS_EXECUTOR_AUTHENTICATION_TOKEN="secret")
        request = self.agent.subscriptions[0]
        self.assertEqual(request.path, "/api/v1/executor")
        self.assertEqual(request.headers["authorization"], "Bearer secret")
        self.assertEqual(request.headers["content-type"], "application/json")
        self.assertEqual(request.json, {
            "executor_id": {"value": "e1"}, "framework_id": {"value": "fw-1"}, "type": "SUBSCRIBE",
            "subscribe": {"unacknowledged_tasks": [], "unacknowledged_updates": []}})
        self.assertEqual(self.handler.wait("subscribed"), [(
            {"executor_id": {"value": "e1"}}, {"user": "u", "name": "f"}, {"hostname": "h"}, {"value": "c1"})])

    def test_events_reach_the_handler(self):
        self.start()
        self.agent.push({"type": "LAUNCH", "launch": {"task": TASK}})
        self.agent.push({"type": "LAUNCH_GROUP", "launch_group": {"task_group": {"tasks": [TASK]}}})
        self.agent.push({"type": "KILL", "kill": {"task_id": {"value": "t1"}}})
        self.agent.push({"type": "MESSAGE", "message": {"data": base64.b64encode(b"ping").decode()}})
        self.agent.push({"type": "ERROR", "error": {"message": "oops"}})
        self.agent.push({"type": "SHUTDOWN"})
        self.handler.wait("shutdown")
        self.assertEqual(self.handler.named("launch"), [(TASK,)])
        self.assertEqual(self.handler.named("launch_group"), [({"tasks": [TASK]},)])
        self.assertEqual(self.handler.named("kill"), [("t1", None)])
        self.assertEqual(self.handler.named("message"), [(b"ping",)])
        self.assertEqual(self.handler.named("error"), [("oops",)])

    def test_updates_carry_uuid_and_source_until_acknowledged(self):
        client = self.start()
        self.agent.push({"type": "LAUNCH", "launch": {"task": TASK}})
        self.handler.wait("launch")
        self.assertEqual(client.unacknowledged_tasks, [TASK])
        sent = client.send_status("t1", "TASK_RUNNING", message="up", data=b"\x01")
        call = self.agent.calls_of("UPDATE")[0].json
        status = call["update"]["status"]
        self.assertEqual(call["executor_id"], {"value": "e1"})
        self.assertEqual(call["framework_id"], {"value": "fw-1"})
        self.assertEqual(status["task_id"], {"value": "t1"})
        self.assertEqual(status["state"], "TASK_RUNNING")
        self.assertEqual(status["source"], "SOURCE_EXECUTOR")
        self.assertEqual(status["executor_id"], {"value": "e1"})
        self.assertEqual(status["message"], "up")
        self.assertEqual(status["data"], "AQ==")
        self.assertEqual(len(base64.b64decode(status["uuid"])), 16)
        self.assertIsInstance(status["timestamp"], float)
        self.assertEqual(sent, status)
        self.assertEqual(client.unacknowledged_updates, [status])

        self.agent.push({"type": "ACKNOWLEDGED", "acknowledged": {"task_id": {"value": "t1"}, "uuid": status["uuid"]}})
        self.assertEqual(self.handler.wait("acknowledged"), [("t1", status["uuid"])])
        self.assertEqual(client.unacknowledged_updates, [])
        self.assertEqual(client.unacknowledged_tasks, [])

    def test_message_and_error_statuses(self):
        client = self.start()
        client.message("hello")
        self.assertEqual(self.agent.calls_of("MESSAGE")[0].json["message"], {"data": "aGVsbG8="})
        self.agent.call_status = 400
        self.agent.call_body = b"Executor is not subscribed"
        with self.assertRaises(ExecutorCallError) as caught:
            client.message(b"x")
        self.assertEqual(caught.exception.status, 400)
        self.assertIn("Executor is not subscribed", str(caught.exception))

    def test_with_checkpointing_it_resubscribes_with_what_is_unacknowledged(self):
        client = self.start(MESOS_CHECKPOINT="1", MESOS_SUBSCRIPTION_BACKOFF_MAX="100ms")
        self.agent.push({"type": "LAUNCH", "launch": {"task": TASK}})
        self.handler.wait("launch")
        status = client.send_status("t1", "TASK_RUNNING")
        self.agent.close_streams()
        self.handler.wait("subscribed", 2)
        self.assertEqual(len(self.handler.named("disconnected")), 1)
        self.assertEqual(self.handler.named("shutdown"), [])
        self.assertEqual(self.agent.subscriptions[1].json["subscribe"], {
            "unacknowledged_tasks": [TASK],
            "unacknowledged_updates": [{"framework_id": {"value": "fw-1"}, "status": status}]})

    def test_without_checkpointing_a_disconnection_means_shutdown(self):
        client = self.start()
        self.agent.close_streams()
        self.assertTrue(client.join(5))
        self.assertEqual(len(self.handler.named("disconnected")), 1)
        self.assertEqual(self.handler.named("shutdown"), [()])
        self.assertEqual(len(self.agent.subscriptions), 1)

    def test_recovery_gives_up_after_the_recovery_timeout(self):
        client = self.start(MESOS_CHECKPOINT="1", MESOS_RECOVERY_TIMEOUT="300ms",
                            MESOS_SUBSCRIPTION_BACKOFF_MAX="50ms")
        self.agent.subscribe_status = 503
        self.agent.close_streams()
        self.assertTrue(client.join(5))
        self.assertEqual(self.handler.named("shutdown"), [()])
        self.assertGreater(len(self.agent.subscriptions), 2)

    def test_a_refused_subscription_is_an_error(self):
        self.agent.subscribe_status = 401
        self.agent.subscribe_body = b"Unauthorized"
        client = ExecutorClient(self.handler, environ(self.agent), timeout=5.0)
        self.clients.append(client)
        client.start()
        self.assertTrue(client.join(5))
        self.assertEqual(self.handler.named("error"), [("SUBSCRIBE failed with HTTP 401: Unauthorized",)])


if __name__ == "__main__":
    unittest.main()
