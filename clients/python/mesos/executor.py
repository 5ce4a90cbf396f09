"""A client for the Mesos v1 executor HTTP API (`POST /api/v1/executor` on the agent).

An executor started by the agent finds everything it needs in its environment
(MESOS_AGENT_ENDPOINT, MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, ...):

    class Echo(Executor):
        def launch(self, client, task):
            client.send_status(task["task_id"], "TASK_RUNNING")
            ...
            client.send_status(task["task_id"], "TASK_FINISHED")

    ExecutorClient(Echo()).run()

SUBSCRIBE opens the event stream (RecordIO of JSON Events); every other call is a separate
POST answered 202 Accepted. Each call carries executor_id and framework_id. The client keeps
the updates and tasks the agent has not acknowledged and resends them when it subscribes
again: with checkpointing on, it retries for MESOS_RECOVERY_TIMEOUT after a disconnection
(the agent may be restarting); without, a disconnection means shutdown.
"""

import collections
import logging
import random
import socket
import threading
import time

from . import messages, recordio, transport
from .messages import id_value, to_id

log = logging.getLogger("mesos.executor")

API_PATH = "/api/v1/executor"


class ExecutorCallError(Exception):
    """The agent answered a call with an error status."""

    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status


class ExecutorEnvironment(object):
    """What the agent tells an executor through environment variables."""

    def __init__(self, framework_id, executor_id, agent_endpoint, directory=None, sandbox=None,
                 checkpoint=False, recovery_timeout=900.0, subscription_backoff_max=2.0,
                 shutdown_grace_period=5.0, authentication_token=None):
        self.framework_id = framework_id
        self.executor_id = executor_id
        self.agent_endpoint = agent_endpoint
        self.directory = directory
        self.sandbox = sandbox
        self.checkpoint = checkpoint
        self.recovery_timeout = recovery_timeout
        self.subscription_backoff_max = subscription_backoff_max
        self.shutdown_grace_period = shutdown_grace_period
        self.authentication_token = authentication_token

    @classmethod
    def from_environ(cls, environ):
        missing = [name for name in ("MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_AGENT_ENDPOINT")
                   if not environ.get(name)]
        if missing:
            raise ValueError("not started by a Mesos agent: %s not set" % ", ".join(missing))

        def duration(name, default):
            text = environ.get(name)
            return messages.parse_duration(text) if text else default

        return cls(
            framework_id=environ["MESOS_FRAMEWORK_ID"],
            executor_id=environ["MESOS_EXECUTOR_ID"],
            agent_endpoint=environ["MESOS_AGENT_ENDPOINT"],
            directory=environ.get("MESOS_DIRECTORY"),
            sandbox=environ.get("MESOS_SANDBOX") or environ.get("MESOS_DIRECTORY"),
            checkpoint=environ.get("MESOS_CHECKPOINT") == "1",
            recovery_timeout=duration("MESOS_RECOVERY_TIMEOUT", 900.0),
            subscription_backoff_max=duration("MESOS_SUBSCRIPTION_BACKOFF_MAX", 2.0),
            shutdown_grace_period=duration("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", 5.0),
            authentication_token=environ.get("MESOS_EXECUTOR_AUTHENTICATION_TOKEN") or None,
        )


class Executor(object):
    """Event handler: override the methods you need. Each gets the ExecutorClient first.

    Methods run on the client's event thread, one at a time; long work belongs in threads
    of its own (a task's process, say), which may call the client.
    """

    def subscribed(self, client, executor_info, framework_info, agent_info, container_id):
        """SUBSCRIBED: the ExecutorInfo, FrameworkInfo and AgentInfo dicts, ContainerID or None."""

    def launch(self, client, task):
        """LAUNCH: run this TaskInfo dict and report its states with send_status()."""

    def launch_group(self, client, task_group):
        """LAUNCH_GROUP: a TaskGroupInfo dict ({"tasks": [...]})."""

    def kill(self, client, task_id, kill_policy):
        """KILL: the task (id string) must end; report TASK_KILLED."""

    def acknowledged(self, client, task_id, uuid):
        """ACKNOWLEDGED: the scheduler acknowledged the update `uuid` of the task."""

    def message(self, client, data):
        """MESSAGE from the scheduler (bytes)."""

    def error(self, client, message):
        """ERROR from the agent, or a subscription it refused."""

    def shutdown(self, client):
        """SHUTDOWN (or a disconnection that cannot be recovered): kill every task, send their
        terminal updates, then stop the client and exit."""

    def heartbeat(self, client):
        """HEARTBEAT."""

    def disconnected(self, client, reason):
        """The event stream broke (reason is a string)."""


class _Rejected(Exception):
    pass


class ExecutorClient(object):
    """The v1 executor API client; see the module docstring.

    environ: the environment to read (default os.environ), or an ExecutorEnvironment.
    """

    def __init__(self, handler, environ=None, timeout=10.0, ssl_context=None):
        if environ is None:
            import os

            environ = os.environ
        self.env = environ if isinstance(environ, ExecutorEnvironment) else ExecutorEnvironment.from_environ(environ)
        self._endpoint = transport.parse_endpoint(self.env.agent_endpoint, 5051)
        self._handler = handler
        self._timeout = timeout
        self._ssl_context = ssl_context
        self._lock = threading.Lock()
        self._dispatch_lock = threading.RLock()
        self._stopped = threading.Event()
        self._subscribed = threading.Event()
        self._thread = None
        self._stream = None
        # uuid -> TaskStatus, in the order sent; task id -> TaskInfo.
        self._unacked_updates = collections.OrderedDict()
        self._unacked_tasks = collections.OrderedDict()
        self.last_error = None

    @property
    def executor_id(self):
        return self.env.executor_id

    @property
    def framework_id(self):
        return self.env.framework_id

    @property
    def unacknowledged_updates(self):
        with self._lock:
            return list(self._unacked_updates.values())

    @property
    def unacknowledged_tasks(self):
        with self._lock:
            return list(self._unacked_tasks.values())

    def wait_subscribed(self, timeout=None):
        return self._subscribed.wait(timeout)

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self):
        if self._thread is not None:
            raise RuntimeError("the client was started already")
        self._thread = threading.Thread(target=self._run, name="mesos-executor-events")
        self._thread.daemon = True
        self._thread.start()
        return self

    def run(self):
        self.start()
        self.join()

    def join(self, timeout=None):
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self):
        """Closes the event stream and ends the event thread."""
        with self._dispatch_lock:
            self._stopped.set()
            with self._lock:
                stream = self._stream
            if stream is not None:
                stream.close()
        if self._thread is not None and threading.current_thread() is not self._thread:
            self._thread.join(self._timeout)

    # ---- the event thread --------------------------------------------------------------

    def _run(self):
        disconnected_since = None
        backoff = 0.1
        while not self._stopped.is_set():
            try:
                self._subscribe_and_read()
                reason = "the agent closed the event stream"
            except _Rejected as err:
                self.last_error = str(err)
                self._call_handler("error", str(err))
                break
            except (OSError, transport.HttpError, recordio.RecordIOError, ValueError) as err:
                reason = "%s: %s" % (type(err).__name__, err)
            with self._lock:
                self._stream = None
            if self._subscribed.is_set():
                disconnected_since = None
                backoff = 0.1
            self._subscribed.clear()
            if self._stopped.is_set():
                break
            self.last_error = reason
            log.info("event stream from the agent at %s ended: %s", self._endpoint.url(), reason)
            self._call_handler("disconnected", reason)
            now = time.time()
            if disconnected_since is None:
                disconnected_since = now
            if not self.env.checkpoint or now - disconnected_since >= self.env.recovery_timeout:
                # Without checkpointing the agent will not take us back after it restarts.
                with self._dispatch_lock:
                    self._call_handler("shutdown")
                break
            # Randomized so that many executors do not hit a recovering agent at once.
            self._stopped.wait(random.uniform(0, backoff))
            backoff = min(backoff * 2, self.env.subscription_backoff_max)
        self._stopped.set()

    def _headers(self):
        headers = {"Content-Type": messages.JSON, "Accept": messages.JSON}
        if self.env.authentication_token:
            headers["Authorization"] = "Bearer " + self.env.authentication_token
        return headers

    def _base_call(self, kind):
        return {
            "executor_id": {"value": self.env.executor_id},
            "framework_id": {"value": self.env.framework_id},
            "type": kind,
        }

    def _subscribe_body(self):
        call = self._base_call("SUBSCRIBE")
        with self._lock:
            call["subscribe"] = {
                "unacknowledged_tasks": list(self._unacked_tasks.values()),
                "unacknowledged_updates": [
                    {"framework_id": {"value": self.env.framework_id}, "status": s}
                    for s in self._unacked_updates.values()
                ],
            }
        return messages.dumps(call)

    def _subscribe_and_read(self):
        stream = transport.open_stream(self._endpoint, "POST", API_PATH, self._subscribe_body(),
                                       self._headers(), self._timeout, self._ssl_context)
        if stream.status != 200:
            try:
                text = stream.read_all().decode("utf-8", "replace").strip()
            finally:
                stream.close()
            message = "SUBSCRIBE failed with HTTP %d: %s" % (stream.status, text or stream.reason)
            if stream.status >= 500:
                raise transport.HttpError(message)
            raise _Rejected(message)
        with self._lock:
            self._stream = stream
        if self._stopped.is_set():
            stream.close()
            return
        decoder = recordio.Decoder()
        try:
            for data in stream.chunks():
                for record in decoder.feed(data):
                    event = messages.loads(record)
                    if event.get("type") == "SUBSCRIBED":
                        # The agent may stay silent for long (its heartbeats are rare);
                        # a broken connection is noticed by the socket, not by a timer.
                        stream.set_timeout(None)
                        self._subscribed.set()
                    self._dispatch(event)
                    if self._stopped.is_set():
                        return
        except socket.timeout:
            raise OSError("no SUBSCRIBED event within %.0f s" % self._timeout)
        finally:
            stream.close()

    def _dispatch(self, event):
        kind = event.get("type")
        with self._dispatch_lock:
            if self._stopped.is_set():
                return
            if kind == "SUBSCRIBED":
                sub = event.get("subscribed", {})
                self._call_handler("subscribed", sub.get("executor_info"), sub.get("framework_info"),
                                   sub.get("agent_info"), sub.get("container_id"))
            elif kind == "LAUNCH":
                task = event.get("launch", {}).get("task", {})
                with self._lock:
                    self._unacked_tasks[id_value(task.get("task_id"))] = task
                self._call_handler("launch", task)
            elif kind == "LAUNCH_GROUP":
                group = event.get("launch_group", {}).get("task_group", {})
                with self._lock:
                    for task in group.get("tasks", []):
                        self._unacked_tasks[id_value(task.get("task_id"))] = task
                self._call_handler("launch_group", group)
            elif kind == "KILL":
                kill = event.get("kill", {})
                self._call_handler("kill", id_value(kill.get("task_id")), kill.get("kill_policy"))
            elif kind == "ACKNOWLEDGED":
                ack = event.get("acknowledged", {})
                task_id, uuid = id_value(ack.get("task_id")), ack.get("uuid")
                with self._lock:
                    self._unacked_updates.pop(uuid, None)
                    self._unacked_tasks.pop(task_id, None)
                self._call_handler("acknowledged", task_id, uuid)
            elif kind == "MESSAGE":
                self._call_handler("message", messages.decode_bytes(event.get("message", {}).get("data")))
            elif kind == "ERROR":
                self._call_handler("error", event.get("error", {}).get("message", ""))
            elif kind == "SHUTDOWN":
                self._call_handler("shutdown")
            elif kind == "HEARTBEAT":
                self._call_handler("heartbeat")
            else:
                log.debug("ignoring event of type %r", kind)

    def _call_handler(self, method, *args):
        try:
            getattr(self._handler, method)(self, *args)
            return True
        except Exception:
            log.exception("the executor's %s handler raised", method)
            return False

    # ---- calls -------------------------------------------------------------------------

    def call(self, call):
        """Sends a Call dict (executor_id and framework_id are filled in)."""
        body = self._base_call(call["type"])
        body.update(call)
        response = transport.request(self._endpoint, "POST", API_PATH, messages.dumps(body),
                                     self._headers(), self._timeout, self._ssl_context)
        if response.status not in (200, 202):
            raise ExecutorCallError(
                response.status,
                "%s failed with HTTP %d: %s" % (call["type"], response.status, response.text() or response.reason),
            )

    def update(self, status):
        """UPDATE with a TaskStatus dict; fills uuid, source, executor_id and timestamp.

        The update stays in the unacknowledged list (resent on a new SUBSCRIBE) until the
        agent reports it ACKNOWLEDGED. Returns the status as sent.
        """
        status = dict(status)
        status["task_id"] = to_id(status["task_id"])
        status.setdefault("uuid", messages.new_uuid())
        status["source"] = "SOURCE_EXECUTOR"
        status.setdefault("executor_id", {"value": self.env.executor_id})
        status.setdefault("timestamp", time.time())
        with self._lock:
            self._unacked_updates[status["uuid"]] = status
        self.call({"type": "UPDATE", "update": {"status": status}})
        return status

    def send_status(self, task_id, state, message=None, reason=None, data=None, healthy=None, labels=None):
        """UPDATE the state of a task (e.g. 'TASK_RUNNING'); data is bytes or str."""
        status = {"task_id": to_id(task_id), "state": state}
        if message is not None:
            status["message"] = message
        if reason is not None:
            status["reason"] = reason
        if data is not None:
            status["data"] = messages.encode_bytes(data)
        if healthy is not None:
            status["healthy"] = bool(healthy)
        if labels:
            status["labels"] = {"labels": [{"key": k, "value": str(v)} for k, v in sorted(labels.items())]}
        return self.update(status)

    def message(self, data):
        """MESSAGE to the scheduler (bytes, or str sent as UTF-8)."""
        self.call({"type": "MESSAGE", "message": {"data": messages.encode_bytes(data)}})
