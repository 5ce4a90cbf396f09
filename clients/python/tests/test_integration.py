"""The library, the example scheduler and a custom executor (mesos.executor, in
echo_executor.py) against a real mesos-ts master and agent.

The cluster is the one named by MESOS_TEST_MASTER (host:port; the node:test wrapper
test/integration/clients.test.ts sets it), or else one started here from the bundle
build/mesos.cjs (or MESOS_TEST_BINARY) with `node`. Skipped when there is neither.
"""

import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from mesos import resources
from mesos.messages import id_value
from mesos.scheduler import Scheduler, SchedulerClient, command_task

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_ROOT = os.path.dirname(HERE)
REPO_ROOT = os.path.dirname(os.path.dirname(CLIENT_ROOT))
EXAMPLE = os.path.join(CLIENT_ROOT, "examples", "hello_scheduler.py")
ECHO_EXECUTOR = os.path.join(HERE, "echo_executor.py")

_cluster = None


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def _get_json(url):
    return json.loads(_get(url).decode("utf-8"))


def _wait(what, predicate, timeout=30.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as err:  # the daemon is not up yet
            last = err
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s (last error: %s)" % (what, last))


class _LocalCluster(object):
    """A master and an agent from the bundle, in temporary work directories."""

    def __init__(self, bundle, node):
        self.dir = tempfile.mkdtemp(prefix="python-mesos-test-")
        self.procs = []
        # The agent's task supervisor outlives the agent; its pid file is how it is stopped.
        self.runtime_dir = os.path.join(self.dir, "agent-run")
        try:
            self._start(bundle, node)
        except BaseException:
            self.stop()
            raise

    def _start(self, bundle, node):
        master_port, agent_port = _free_port(), _free_port()
        self.master = "127.0.0.1:%d" % master_port
        # --hostname: /master/redirect names the master by it, and it must lead back here.
        self._spawn(node, bundle, "master", ["master", "--ip=127.0.0.1", "--hostname=127.0.0.1",
                                             "--port=%d" % master_port,
                                             "--work_dir=" + os.path.join(self.dir, "master")])
        _wait("the master", lambda: _get("http://%s/health" % self.master) is not None)
        self._spawn(node, bundle, "agent", [
            "agent", "--ip=127.0.0.1", "--port=%d" % agent_port, "--master=" + self.master,
            "--work_dir=" + os.path.join(self.dir, "agent"), "--runtime_dir=" + self.runtime_dir,
            "--resources=cpus:2;mem:2048;disk:1000;ports:[31000-32000]"])
        _wait("the agent to register", self._agent_registered)

    def _agent_registered(self):
        for name, proc in zip(("master", "agent"), self.procs):
            if proc.poll() is not None:
                with open(os.path.join(self.dir, name + ".log")) as f:
                    raise unittest.SkipTest("the %s exited early: %s" % (name, f.read()[-2000:]))
        return _get_json("http://%s/master/slaves" % self.master)["slaves"]

    def _spawn(self, node, bundle, name, args):
        log = open(os.path.join(self.dir, name + ".log"), "wb")
        self.procs.append(subprocess.Popen([node, bundle] + args, stdout=log, stderr=subprocess.STDOUT))
        log.close()

    def stop(self):
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._stop_supervisor()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _stop_supervisor(self):
        try:
            with open(os.path.join(self.runtime_dir, "supervisor.pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
            deadline = time.time() + 10
            while time.time() < deadline:
                os.kill(pid, 0)
                time.sleep(0.05)
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def setUpModule():
    global _cluster
    if os.environ.get("MESOS_TEST_MASTER"):
        return
    bundle = os.environ.get("MESOS_TEST_BINARY", os.path.join(REPO_ROOT, "build", "mesos.cjs"))
    node = shutil.which("node")
    if not os.path.exists(bundle):
        raise unittest.SkipTest("%s is missing: build it with `npx tsx packaging/bundle.ts`, "
                                "or set MESOS_TEST_MASTER=host:port" % bundle)
    if node is None:
        raise unittest.SkipTest("`node` is not on PATH to run %s; set MESOS_TEST_MASTER=host:port" % bundle)
    _cluster = _LocalCluster(bundle, node)


def tearDownModule():
    if _cluster is not None:
        _cluster.stop()


def master_address():
    return os.environ.get("MESOS_TEST_MASTER") or _cluster.master


class Recorder(Scheduler):
    """A scheduler whose callbacks record into lists that a test waits on."""

    def __init__(self):
        self.statuses = []
        self.cond = threading.Condition()

    def _note(self, attr, value):
        with self.cond:
            getattr(self, attr).append(value)
            self.cond.notify_all()

    def recorded(self):
        """What a timeout reports."""
        return "statuses %r" % (self.statuses,)

    def wait(self, what, predicate, timeout=30.0):
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise AssertionError("timed out waiting for %s; %s" % (what, self.recorded()))


class LongTask(Recorder):
    """Launches one `sleep` task and records what happens to it."""

    def __init__(self):
        super().__init__()
        self.task_id = None
        self.subscriptions = []
        self.disconnections = []

    def subscribed(self, client, framework_id, master_info):
        self._note("subscriptions", framework_id)

    def disconnected(self, client, reason):
        self._note("disconnections", reason)

    def offers(self, client, offers):
        wanted = [resources.cpus(0.1), resources.mem(16)]
        for offer in offers:
            if self.task_id is None and resources.fits(offer["resources"], wanted):
                self.task_id = "sleeper-%d" % os.getpid()
                client.launch(offer["id"], [command_task(self.task_id, offer["agent_id"], "sleep 30", wanted)])
            else:
                client.decline(offer["id"], refuse_seconds=30)

    def update(self, client, status):
        self._note("statuses", status)

    def states(self):
        return [s["state"] for s in self.statuses]


class EchoFramework(Recorder):
    """Launches one task on the echo executor and records statuses, messages and failures."""

    def __init__(self):
        super().__init__()
        self.launched = None
        self.messages = []
        self.failures = []

    def recorded(self):
        return "statuses %r, messages %r, failures %r" % (self.statuses, self.messages, self.failures)

    def offers(self, client, offers):
        wanted = [resources.cpus(0.1), resources.mem(32)]
        for offer in offers:
            if self.launched is None and resources.fits(offer["resources"], wanted + wanted):
                task_id = "echo-task-%d" % os.getpid()
                executor = {
                    "executor_id": {"value": "echo-%d" % os.getpid()},
                    "name": "echo executor",
                    "command": {
                        "value": "exec %s %s" % (sys.executable, ECHO_EXECUTOR),
                        "environment": {"variables": [{"name": "PYTHONPATH", "value": CLIENT_ROOT}]},
                    },
                    "resources": wanted,
                }
                task = {"name": task_id, "task_id": {"value": task_id}, "agent_id": offer["agent_id"],
                        "executor": executor, "resources": wanted}
                self.launched = (task_id, executor["executor_id"]["value"], id_value(offer["agent_id"]))
                client.launch(offer["id"], [task])
            else:
                client.decline(offer["id"], refuse_seconds=30)

    def update(self, client, status):
        self._note("statuses", status)

    def message(self, client, agent_id, executor_id, data):
        self._note("messages", (agent_id, executor_id, data))

    def failure(self, client, agent_id, executor_id, status):
        self._note("failures", (agent_id, executor_id, status))

    def states(self):
        return [s["state"] for s in self.statuses]


class ExecutorTest(unittest.TestCase):
    def test_a_custom_executor_runs_a_task_and_exchanges_messages_with_the_scheduler(self):
        handler = EchoFramework()
        framework = {"user": getpass.getuser(), "name": "python-mesos executor test"}
        client = SchedulerClient(master_address(), framework, handler, timeout=10)
        client.start()
        try:
            handler.wait("TASK_RUNNING", lambda: "TASK_RUNNING" in handler.states())
            task_id, executor_id, agent_id = handler.launched
            running = handler.statuses[-1]
            self.assertEqual(running["source"], "SOURCE_EXECUTOR")
            self.assertEqual(id_value(running["executor_id"]), executor_id)
            handler.wait("the greeting", lambda: handler.messages)
            self.assertEqual(handler.messages[0], (agent_id, executor_id, ("hello " + task_id).encode()))

            client.message(agent_id, executor_id, b"ping")
            handler.wait("pong", lambda: (agent_id, executor_id, b"pong") in handler.messages)
            client.message(agent_id, executor_id, b"finish")
            handler.wait("TASK_FINISHED", lambda: "TASK_FINISHED" in handler.states())
            self.assertEqual(handler.statuses[-1]["message"], "finished by the echo executor")

            client.shutdown(executor_id, agent_id)
            handler.wait("FAILURE", lambda: handler.failures)
            self.assertEqual(handler.failures[0], (agent_id, executor_id, 0))
        finally:
            client.stop(teardown=True)


class ClusterTest(unittest.TestCase):
    def run_example(self, *args, **kwargs):
        master = kwargs.get("master") or master_address()
        result = subprocess.run(
            [sys.executable, EXAMPLE, "--master", master, "--timeout", "60"] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=90)
        return result.returncode, result.stdout + result.stderr

    def test_the_example_scheduler_runs_a_task_to_task_finished(self):
        code, output = self.run_example("--command", "echo hello-from-python")
        self.assertEqual(code, 0, output)
        self.assertIn("Subscribed with ID", output)
        self.assertIn("Received status update TASK_FINISHED", output)

    def test_a_list_of_masters_finds_the_leader_through_master_redirect(self):
        # The first master listed is down; the master's own /master/redirect names itself.
        masters = "127.0.0.1:%d,%s" % (_free_port(), master_address())
        code, output = self.run_example("--command", "echo via-redirect", master=masters)
        self.assertEqual(code, 0, output)
        self.assertIn("Received status update TASK_FINISHED", output)

    def test_the_example_scheduler_reports_a_failed_task(self):
        code, output = self.run_example("--command", "exit 3")
        self.assertEqual(code, 1, output)
        self.assertIn("TASK_FAILED", output)
        self.assertIn("Command exited with status 3", output)

    def test_launch_acknowledge_reconcile_kill_failover_and_teardown(self):
        handler = LongTask()
        framework = {"user": getpass.getuser(), "name": "python-mesos integration"}
        client = SchedulerClient(master_address(), framework, handler, failover_timeout=60, timeout=10)
        client.start()
        try:
            handler.wait("SUBSCRIBED", lambda: handler.subscriptions)
            framework_id = handler.subscriptions[0]
            # Automatic acknowledgements let every update through, in order.
            handler.wait("TASK_RUNNING", lambda: "TASK_RUNNING" in handler.states())
            self.assertEqual(handler.states()[:2], ["TASK_STARTING", "TASK_RUNNING"])
            running = handler.statuses[-1]
            self.assertEqual(running["source"], "SOURCE_EXECUTOR")

            # The master keeps the framework through a broken stream (failover_timeout 60 s);
            # the client subscribes again under the same id.
            # (Under the dispatch lock: the acknowledgement of TASK_RUNNING has been sent.)
            with client._dispatch_lock:
                client._stream.close()
            handler.wait("the second SUBSCRIBED", lambda: len(handler.subscriptions) == 2)
            self.assertEqual(handler.subscriptions[1], framework_id)
            self.assertEqual(len(handler.disconnections), 1, handler.disconnections)

            client.reconcile([(handler.task_id, id_value(running["agent_id"]))])
            handler.wait("the reconciliation update",
                         lambda: any(s.get("reason") == "REASON_RECONCILIATION" for s in handler.statuses))
            reconciled = [s for s in handler.statuses if s.get("reason") == "REASON_RECONCILIATION"][0]
            self.assertEqual(reconciled["state"], "TASK_RUNNING")
            self.assertNotIn("uuid", reconciled)

            client.kill(handler.task_id)
            handler.wait("TASK_KILLED", lambda: "TASK_KILLED" in handler.states())
            client.suppress()
            client.revive()
            frameworks = _get_json("http://%s/master/frameworks" % master_address())["frameworks"]
            mine = [f for f in frameworks if f["id"] == framework_id]
            self.assertEqual(len(mine), 1)
            self.assertTrue(mine[0]["active"])
        finally:
            client.stop(teardown=True)

        def gone():
            active = _get_json("http://%s/master/frameworks" % master_address())["frameworks"]
            return all(f["id"] != framework_id for f in active)

        _wait("the torn-down framework to leave the active frameworks", gone, 15)


if __name__ == "__main__":
    unittest.main()
