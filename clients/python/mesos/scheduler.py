"""A client for the Mesos v1 scheduler HTTP API (`POST /api/v1/scheduler` on the master).

    class Hello(Scheduler):
        def offers(self, client, offers):
            client.launch(offers[0]["id"], [command_task("t1", offers[0]["agent_id"], "echo hi",
                                                         [cpus(0.1), mem(32)])])
        def update(self, client, status):
            if is_terminal(status["state"]):
                client.stop(teardown=True)

    client = SchedulerClient("127.0.0.1:5050", {"user": "me", "name": "hello"}, Hello())
    client.start()
    client.join()

SUBSCRIBE opens the event stream (RecordIO of JSON Events, answered with a Mesos-Stream-Id
header); a thread reads it and calls the handler's methods, one event at a time. Every other
call is a separate POST carrying framework_id and Mesos-Stream-Id, answered 202 Accepted.
When the stream breaks the client subscribes again with its framework id (the master keeps the
framework for failover_timeout seconds; with 0 it is removed at once and cannot come back).
"""

import base64
import logging
import socket
import threading

from . import leader, messages, recordio, transport
from .messages import id_value, to_id, to_ids

log = logging.getLogger("mesos.scheduler")

API_PATH = "/api/v1/scheduler"
DEFAULT_MASTER_PORT = 5050


class SchedulerCallError(Exception):
    """The master answered a call with an error status (status 0: not subscribed)."""

    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status


class Scheduler(object):
    """Event handler: override the methods you need. Each gets the SchedulerClient first.

    Methods run on the client's event thread, one at a time; they may call the client.
    """

    def subscribed(self, client, framework_id, master_info):
        """SUBSCRIBED: framework_id is a string; master_info a MasterInfo dict (or None)."""

    def offers(self, client, offers):
        """OFFERS: a list of Offer dicts."""

    def inverse_offers(self, client, inverse_offers):
        """INVERSE_OFFERS: a list of InverseOffer dicts."""

    def rescind(self, client, offer_id):
        """RESCIND: the offer (id string) is no longer valid."""

    def rescind_inverse_offer(self, client, inverse_offer_id):
        """RESCIND_INVERSE_OFFER."""

    def update(self, client, status):
        """UPDATE: a TaskStatus dict. Acknowledged after this returns when auto_acknowledge."""

    def update_operation_status(self, client, status):
        """UPDATE_OPERATION_STATUS: an OperationStatus dict."""

    def message(self, client, agent_id, executor_id, data):
        """MESSAGE from an executor: ids are strings, data bytes."""

    def failure(self, client, agent_id, executor_id, status):
        """FAILURE: an agent was lost (executor_id None) or an executor exited (status)."""

    def error(self, client, message):
        """ERROR from the master, or a subscription it refused; the client stops after it."""

    def heartbeat(self, client):
        """HEARTBEAT."""

    def disconnected(self, client, reason):
        """The event stream broke (reason is a string); the client reconnects if enabled."""


def command_task(task_id, agent_id, command, resources, name=None, shell=True, arguments=None,
                 environment=None, uris=None, user=None, labels=None):
    """A TaskInfo running `command` with the agent's command executor.

    environment: a dict of variables; uris: a list of URI strings or CommandInfo.URI dicts.
    """
    command_info = {"shell": bool(shell), "value": command}
    if arguments is not None:
        command_info["arguments"] = list(arguments)
    if environment:
        command_info["environment"] = {
            "variables": [{"name": k, "value": str(v)} for k, v in sorted(environment.items())]
        }
    if uris:
        command_info["uris"] = [u if isinstance(u, dict) else {"value": u} for u in uris]
    if user is not None:
        command_info["user"] = user
    task = {
        "name": name if name is not None else id_value(task_id),
        "task_id": to_id(task_id),
        "agent_id": to_id(agent_id),
        "resources": list(resources),
        "command": command_info,
    }
    if labels:
        task["labels"] = {"labels": [{"key": k, "value": str(v)} for k, v in sorted(labels.items())]}
    return task


class _Rejected(Exception):
    """The master refused the subscription for good (4xx other than redirects)."""


def basic_authorization(principal, secret):
    """The Authorization header value of a credential (HTTP Basic, RFC 7617)."""
    pair = ("%s:%s" % (principal, secret)).encode("utf-8")
    return "Basic " + base64.b64encode(pair).decode("ascii")


class SchedulerClient(object):
    """The v1 scheduler API client; see the module docstring.

    master: 'host:port', 'host' (port 5050), 'http://host:port' or 'https://host:port';
    'host1:5050,host2:5050' (the leader is found through /master/redirect before each
    subscription); 'zk://host1:2181,host2:2181/mesos' (the leader elected in ZooKeeper, read
    with kazoo); or 'file:///path' holding one of these.
    framework_info: a FrameworkInfo dict (user and name required); its `id`, when set, makes
    the first SUBSCRIBE a failover of that framework. failover_timeout (seconds), when given,
    is put into framework_info.
    auto_acknowledge: ACKNOWLEDGE every update carrying a uuid after handler.update returns.
    reconnect: subscribe again when the stream breaks (backoff from 0.5 s to max_backoff).
    missed_heartbeats: the stream counts as broken after this many heartbeat intervals of
    silence.
    principal, secret: the framework's credential, sent as HTTP Basic on every call (masters
    with --authenticate_http_frameworks); the principal also goes into framework_info when it
    names none.
    """

    def __init__(self, master, framework_info, handler, auto_acknowledge=True, reconnect=True,
                 failover_timeout=None, suppressed_roles=None, timeout=10.0,
                 missed_heartbeats=5, max_backoff=30.0, ssl_context=None, headers=None,
                 principal=None, secret=None):
        self._masters = leader.finder(master, DEFAULT_MASTER_PORT)
        # Known once the leader is found, for masters that are looked up.
        self._endpoint = None if self._masters.follows else self._masters.first
        info = dict(framework_info)
        if failover_timeout is not None:
            info["failover_timeout"] = float(failover_timeout)
        for required in ("user", "name"):
            if required not in info:
                raise ValueError("framework_info needs '%s'" % required)
        self._info = info
        self._handler = handler
        self.auto_acknowledge = auto_acknowledge
        self.reconnect = reconnect
        self._suppressed_roles = list(suppressed_roles or [])
        self._timeout = timeout
        self._missed_heartbeats = missed_heartbeats
        self._max_backoff = max_backoff
        self._ssl_context = ssl_context
        self._extra_headers = dict(headers or {})
        if principal is not None:
            if not principal or ":" in principal or secret is None:
                raise ValueError("a credential needs a principal without ':' and a secret")
            info.setdefault("principal", principal)
            self._extra_headers["Authorization"] = basic_authorization(principal, secret)

        self._lock = threading.Lock()
        # Held while an event is handled, so that stop() waits for the acknowledgement of the
        # update being handled before it tears down. Reentrant: handlers may call stop().
        self._dispatch_lock = threading.RLock()
        self._stopped = threading.Event()
        self._thread = None
        self._stream = None
        self._stream_id = None
        self._framework_id = id_value(info.get("id"))
        self._subscribed = threading.Event()
        self._heartbeat_interval = None
        self.last_error = None

    # ---- state -------------------------------------------------------------------------

    @property
    def master(self):
        """The master endpoint URL in use (it changes when a master redirects to the leader,
        or the leader is looked up again); the masters as given until one is found."""
        endpoint = self._endpoint
        return endpoint.url() if endpoint is not None else self._masters.describe()

    @property
    def framework_id(self):
        with self._lock:
            return self._framework_id

    @property
    def stream_id(self):
        with self._lock:
            return self._stream_id

    @property
    def framework_info(self):
        with self._lock:
            return dict(self._info)

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def wait_subscribed(self, timeout=None):
        """Blocks until SUBSCRIBED arrived (True) or the timeout passed (False)."""
        return self._subscribed.wait(timeout)

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self):
        """Starts the event thread, which subscribes and keeps the stream going."""
        if self._thread is not None:
            raise RuntimeError("the client was started already")
        self._thread = threading.Thread(target=self._run, name="mesos-scheduler-events")
        self._thread.daemon = True
        self._thread.start()
        return self

    def run(self):
        """start() and join(): returns when the client stops."""
        self.start()
        self.join()

    def join(self, timeout=None):
        """Waits for the event thread to end; True when it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self, teardown=False):
        """Closes the stream and ends the event thread. teardown=True first sends TEARDOWN,
        which makes the master kill the framework's tasks and forget it."""
        with self._dispatch_lock:
            already_stopped = self._stopped.is_set()
            # Set first: the master closes the stream on TEARDOWN, which is no disconnection.
            self._stopped.set()
            if teardown and not already_stopped and self.stream_id is not None:
                try:
                    self.teardown_call()
                except (SchedulerCallError, OSError, transport.HttpError) as err:
                    log.warning("TEARDOWN failed: %s", err)
            with self._lock:
                stream = self._stream
            if stream is not None:
                stream.close()
        if self._thread is not None and threading.current_thread() is not self._thread:
            self._thread.join(self._timeout)

    # ---- the event thread --------------------------------------------------------------

    def _run(self):
        backoff = 0.5
        while not self._stopped.is_set():
            try:
                self._subscribe_and_read()
                reason = "the master closed the event stream"
            except _Rejected as err:
                self.last_error = str(err)
                self._call_handler("error", str(err))
                break
            except (OSError, transport.HttpError, recordio.RecordIOError, ValueError) as err:
                reason = _describe(err)
            with self._lock:
                self._stream = None
                self._stream_id = None
            if self._subscribed.is_set():
                backoff = 0.5
            self._subscribed.clear()
            if self._stopped.is_set():
                break
            self.last_error = reason
            log.info("event stream from %s ended: %s", self.master, reason)
            self._call_handler("disconnected", reason)
            if not self.reconnect or self._stopped.is_set():
                break
            self._stopped.wait(backoff)
            backoff = min(backoff * 2, self._max_backoff)
        self._stopped.set()

    def _subscribe_body(self):
        with self._lock:
            info = dict(self._info)
            if self._framework_id is not None:
                info["id"] = {"value": self._framework_id}
            call = {"type": "SUBSCRIBE", "subscribe": {"framework_info": info}}
            if self._suppressed_roles:
                call["subscribe"]["suppressed_roles"] = list(self._suppressed_roles)
            if self._framework_id is not None:
                call["framework_id"] = {"value": self._framework_id}
        return messages.dumps(call)

    def _open_subscription(self):
        headers = self._headers()
        if self._masters.follows:
            # The leader may have moved since the last subscription.
            self._endpoint = self._masters.find(self._timeout, self._ssl_context)
            log.info("the leading master is at %s", self.master)
        for _ in range(5):
            stream = transport.open_stream(self._endpoint, "POST", API_PATH, self._subscribe_body(),
                                           headers, self._timeout, self._ssl_context)
            if stream.status == 307 and "location" in stream.headers:
                stream.close()
                self._endpoint = transport.resolve_location(self._endpoint, stream.headers["location"])
                log.info("redirected to the leading master at %s", self.master)
                continue
            if stream.status == 200:
                return stream
            try:
                text = stream.read_all().decode("utf-8", "replace").strip()
            finally:
                stream.close()
            message = "SUBSCRIBE failed with HTTP %d: %s" % (stream.status, text or stream.reason)
            # 503: a master still recovering or without a leader; try again later.
            if stream.status >= 500:
                raise transport.HttpError(message)
            raise _Rejected(message)
        raise transport.HttpError("too many redirects from %s" % self.master)

    def _subscribe_and_read(self):
        self._heartbeat_interval = None
        stream = self._open_subscription()
        with self._lock:
            self._stream = stream
            self._stream_id = stream.headers.get("mesos-stream-id")
        if self._stopped.is_set():
            stream.close()
            return
        decoder = recordio.Decoder()
        try:
            for data in stream.chunks():
                for record in decoder.feed(data):
                    event = messages.loads(record)
                    if event.get("type") == "SUBSCRIBED":
                        self._on_subscribed(stream, event.get("subscribed", {}))
                    self._dispatch(event)
                    if self._stopped.is_set():
                        return
        except socket.timeout:
            if self._heartbeat_interval is None:
                raise OSError("no SUBSCRIBED event within %.0f s" % self._timeout)
            raise OSError("no event for %d heartbeat intervals" % self._missed_heartbeats)
        finally:
            stream.close()

    def _on_subscribed(self, stream, subscribed):
        with self._lock:
            self._framework_id = id_value(subscribed.get("framework_id"))
            self._info["id"] = {"value": self._framework_id}
        interval = subscribed.get("heartbeat_interval_seconds")
        self._heartbeat_interval = float(interval) if interval else None
        # Silence longer than a few heartbeats means the master or the network is gone.
        stream.set_timeout(self._heartbeat_interval * self._missed_heartbeats if interval else None)
        self._subscribed.set()

    def _dispatch(self, event):
        kind = event.get("type")
        with self._dispatch_lock:
            if self._stopped.is_set():
                return
            if kind == "SUBSCRIBED":
                sub = event.get("subscribed", {})
                self._call_handler("subscribed", id_value(sub.get("framework_id")), sub.get("master_info"))
            elif kind == "OFFERS":
                self._call_handler("offers", event.get("offers", {}).get("offers", []))
            elif kind == "INVERSE_OFFERS":
                self._call_handler("inverse_offers", event.get("inverse_offers", {}).get("inverse_offers", []))
            elif kind == "RESCIND":
                self._call_handler("rescind", id_value(event.get("rescind", {}).get("offer_id")))
            elif kind == "RESCIND_INVERSE_OFFER":
                payload = event.get("rescind_inverse_offer", {})
                self._call_handler("rescind_inverse_offer", id_value(payload.get("inverse_offer_id")))
            elif kind == "UPDATE":
                status = event.get("update", {}).get("status", {})
                # Not after a stop() in the handler: the framework may be torn down already.
                if self._call_handler("update", status) and self.auto_acknowledge and not self._stopped.is_set():
                    self._acknowledge_quietly(status)
            elif kind == "UPDATE_OPERATION_STATUS":
                self._call_handler("update_operation_status", event.get("update_operation_status", {}).get("status", {}))
            elif kind == "MESSAGE":
                msg = event.get("message", {})
                self._call_handler("message", id_value(msg.get("agent_id")), id_value(msg.get("executor_id")),
                                   messages.decode_bytes(msg.get("data")))
            elif kind == "FAILURE":
                failure = event.get("failure", {})
                self._call_handler("failure", id_value(failure.get("agent_id")),
                                   id_value(failure.get("executor_id")), failure.get("status"))
            elif kind == "ERROR":
                # The master closes the stream after an ERROR; subscribing again would not help.
                message = event.get("error", {}).get("message", "")
                self.last_error = message
                self.reconnect = False
                self._call_handler("error", message)
            elif kind == "HEARTBEAT":
                self._call_handler("heartbeat")
            else:
                log.debug("ignoring event of type %r", kind)

    def _call_handler(self, method, *args):
        """Calls handler.method(self, *args); True when it returned without raising."""
        try:
            getattr(self._handler, method)(self, *args)
            return True
        except Exception:
            log.exception("the scheduler's %s handler raised", method)
            return False

    def _acknowledge_quietly(self, status):
        if not status.get("uuid") or not status.get("agent_id"):
            return
        try:
            self.acknowledge_status(status)
        except (SchedulerCallError, OSError, transport.HttpError) as err:
            log.warning("ACKNOWLEDGE of %s for task %s failed: %s", status.get("state"),
                        id_value(status.get("task_id")), err)

    # ---- calls -------------------------------------------------------------------------

    def _headers(self, stream_id=None):
        headers = {"Content-Type": messages.JSON, "Accept": messages.JSON}
        headers.update(self._extra_headers)
        if stream_id is not None:
            headers["Mesos-Stream-Id"] = stream_id
        return headers

    def call(self, call):
        """Sends a Call dict (framework_id is filled in); returns the response body bytes.

        Raises SchedulerCallError for an error status or when not subscribed.
        """
        with self._lock:
            framework_id, stream_id = self._framework_id, self._stream_id
        if framework_id is None or stream_id is None:
            raise SchedulerCallError(0, "%s: not subscribed" % call.get("type"))
        body = dict(call)
        body["framework_id"] = {"value": framework_id}
        response = transport.request(self._endpoint, "POST", API_PATH, messages.dumps(body),
                                     self._headers(stream_id), self._timeout, self._ssl_context)
        if response.status not in (200, 202):
            raise SchedulerCallError(
                response.status,
                "%s failed with HTTP %d: %s" % (call.get("type"), response.status, response.text() or response.reason),
            )
        return response.body

    def accept(self, offer_ids, operations, refuse_seconds=None):
        """ACCEPT offers with Offer.Operation dicts; unused resources are declined."""
        accept = {"offer_ids": to_ids(offer_ids), "operations": list(operations)}
        _put(accept, "filters", messages.filters(refuse_seconds))
        self.call({"type": "ACCEPT", "accept": accept})

    def launch(self, offer_ids, tasks, refuse_seconds=None):
        """ACCEPT with one LAUNCH operation of TaskInfo dicts."""
        self.accept(offer_ids, [launch_operation(tasks)], refuse_seconds)

    def launch_group(self, offer_ids, executor, tasks, refuse_seconds=None):
        """ACCEPT with one LAUNCH_GROUP operation: `tasks` run under the given ExecutorInfo."""
        self.accept(offer_ids, [launch_group_operation(executor, tasks)], refuse_seconds)

    def decline(self, offer_ids, refuse_seconds=None):
        """DECLINE offers; refuse_seconds keeps those resources away for that long."""
        decline = {"offer_ids": to_ids(offer_ids)}
        _put(decline, "filters", messages.filters(refuse_seconds))
        self.call({"type": "DECLINE", "decline": decline})

    def accept_inverse_offers(self, inverse_offer_ids, refuse_seconds=None):
        payload = {"inverse_offer_ids": to_ids(inverse_offer_ids)}
        _put(payload, "filters", messages.filters(refuse_seconds))
        self.call({"type": "ACCEPT_INVERSE_OFFERS", "accept_inverse_offers": payload})

    def decline_inverse_offers(self, inverse_offer_ids, refuse_seconds=None):
        payload = {"inverse_offer_ids": to_ids(inverse_offer_ids)}
        _put(payload, "filters", messages.filters(refuse_seconds))
        self.call({"type": "DECLINE_INVERSE_OFFERS", "decline_inverse_offers": payload})

    def revive(self, roles=None):
        """REVIVE: clears filters and resumes offers (for the given roles, or all)."""
        call = {"type": "REVIVE"}
        if roles:
            call["revive"] = {"roles": list(roles)}
        self.call(call)

    def suppress(self, roles=None):
        """SUPPRESS: stops offers (for the given roles, or all) until REVIVE."""
        call = {"type": "SUPPRESS"}
        if roles:
            call["suppress"] = {"roles": list(roles)}
        self.call(call)

    def kill(self, task_id, agent_id=None, kill_policy=None):
        kill = {"task_id": to_id(task_id)}
        if agent_id is not None:
            kill["agent_id"] = to_id(agent_id)
        _put(kill, "kill_policy", kill_policy)
        self.call({"type": "KILL", "kill": kill})

    def shutdown(self, executor_id, agent_id):
        """SHUTDOWN an executor (and its tasks)."""
        self.call({"type": "SHUTDOWN", "shutdown": {"executor_id": to_id(executor_id), "agent_id": to_id(agent_id)}})

    def acknowledge(self, agent_id, task_id, uuid):
        """ACKNOWLEDGE a status update; uuid is the base64 string from the TaskStatus."""
        self.call({
            "type": "ACKNOWLEDGE",
            "acknowledge": {"agent_id": to_id(agent_id), "task_id": to_id(task_id), "uuid": uuid},
        })

    def acknowledge_status(self, status):
        """ACKNOWLEDGE the given TaskStatus dict (a no-op for updates without a uuid)."""
        if status.get("uuid") and status.get("agent_id"):
            self.acknowledge(status["agent_id"], status["task_id"], status["uuid"])

    def acknowledge_operation_status(self, uuid, operation_id, agent_id=None, resource_provider_id=None):
        payload = {"uuid": uuid, "operation_id": to_id(operation_id)}
        if agent_id is not None:
            payload["agent_id"] = to_id(agent_id)
        if resource_provider_id is not None:
            payload["resource_provider_id"] = to_id(resource_provider_id)
        self.call({"type": "ACKNOWLEDGE_OPERATION_STATUS", "acknowledge_operation_status": payload})

    def reconcile(self, tasks=None):
        """RECONCILE: tasks are task id strings, (task_id, agent_id) pairs or dicts; None or
        [] asks for every task the master knows (implicit reconciliation)."""
        entries = []
        for task in tasks or []:
            if isinstance(task, tuple):
                entry = {"task_id": to_id(task[0])}
                if task[1] is not None:
                    entry["agent_id"] = to_id(task[1])
            elif isinstance(task, dict) and "task_id" in task:
                entry = dict(task)
            else:
                entry = {"task_id": to_id(task)}
            entries.append(entry)
        self.call({"type": "RECONCILE", "reconcile": {"tasks": entries}})

    def reconcile_operations(self, operations=None):
        self.call({"type": "RECONCILE_OPERATIONS", "reconcile_operations": {"operations": list(operations or [])}})

    def message(self, agent_id, executor_id, data):
        """MESSAGE to an executor; data is bytes (or str, sent as UTF-8)."""
        self.call({
            "type": "MESSAGE",
            "message": {"agent_id": to_id(agent_id), "executor_id": to_id(executor_id),
                        "data": messages.encode_bytes(data)},
        })

    def request(self, requests):
        self.call({"type": "REQUEST", "request": {"requests": list(requests)}})

    def update_framework(self, framework_info, suppressed_roles=None):
        """UPDATE_FRAMEWORK: changes the FrameworkInfo (roles, capabilities, ...)."""
        info = dict(framework_info)
        with self._lock:
            if self._framework_id is not None:
                info["id"] = {"value": self._framework_id}
        payload = {"framework_info": info}
        if suppressed_roles is not None:
            payload["suppressed_roles"] = list(suppressed_roles)
        self.call({"type": "UPDATE_FRAMEWORK", "update_framework": payload})
        with self._lock:
            self._info = info
            if suppressed_roles is not None:
                self._suppressed_roles = list(suppressed_roles)

    def teardown_call(self):
        """Sends TEARDOWN without stopping the client (the master then closes the stream)."""
        self.reconnect = False
        self.call({"type": "TEARDOWN"})

    def teardown(self):
        """TEARDOWN the framework and stop the client."""
        self.stop(teardown=True)


def launch_operation(tasks):
    return {"type": "LAUNCH", "launch": {"task_infos": list(tasks)}}


def launch_group_operation(executor, tasks):
    return {"type": "LAUNCH_GROUP", "launch_group": {"executor": executor, "task_group": {"tasks": list(tasks)}}}


def _put(target, key, value):
    if value is not None:
        target[key] = value


def _describe(err):
    text = str(err)
    return "%s: %s" % (type(err).__name__, text) if text else type(err).__name__
