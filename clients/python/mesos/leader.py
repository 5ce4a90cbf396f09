"""Finding the leading master from what a user gives as `master`.

- 'host:port' (also 'host', 'http(s)://host:port'): that master; the scheduler client follows
  a 307 it answers with.
- 'host1:5050,host2:5050,...': masters of one cluster; the leader is where their
  `/master/redirect` points (Mesos's masters answer it with 307 to the leader, `//host:port`).
- 'zk://[user:password@]host1:2181,host2:2181/path': the leader elected in ZooKeeper, read with
  kazoo when it is importable. In Mesos's layout the group's member with the smallest
  sequence leads, and its znode `json.info_<seq>` holds its MasterInfo as JSON.
- 'file:///path': a file holding one of these (the packages' /etc/mesos/zk).
"""

import json
import re

from . import transport

REDIRECT_PATH = "/master/redirect"

_NO_KAZOO = (
    "zk:// needs the kazoo package (pip install kazoo) to read ZooKeeper; without it give the "
    "masters as host1:5050,host2:5050 and the leader is found through /master/redirect"
)


class LeaderNotFound(transport.HttpError):
    """No master said which one leads (all unreachable, or no leader elected yet)."""


def finder(master, default_port):
    """The finder for a `master` string; raises ValueError for one that cannot be used."""
    text = master.strip()
    if text.startswith("file://"):
        path = text[len("file://"):]
        try:
            with open(path) as handle:
                text = handle.read().strip()
        except (IOError, OSError) as err:
            raise ValueError("cannot read the master from %s: %s" % (path, err.strerror or err))
    if text.startswith("zk://"):
        return ZooKeeperMasters(text)
    endpoints = [transport.parse_endpoint(part, default_port) for part in text.split(",") if part.strip()]
    if not endpoints:
        raise ValueError("%r names no master; expected host:port or host1:port1,host2:port2" % master)
    return MasterList(endpoints)


class MasterList(object):
    """One master, or several of which the leader is found through /master/redirect."""

    def __init__(self, endpoints):
        self.endpoints = list(endpoints)

    @property
    def follows(self):
        """Whether the leader must be looked up before each subscription."""
        return len(self.endpoints) > 1

    @property
    def first(self):
        return self.endpoints[0]

    def describe(self):
        return ",".join(e.url() for e in self.endpoints)

    def find(self, timeout=10.0, ssl_context=None):
        """The leader's endpoint, as the first master that answers /master/redirect names it."""
        if not self.follows:
            return self.first
        problems = []
        for endpoint in self.endpoints:
            try:
                response = transport.request(endpoint, "GET", REDIRECT_PATH, timeout=timeout, ssl_context=ssl_context)
            except (OSError, transport.HttpError) as err:
                problems.append("%s: %s" % (endpoint.host_header(), err))
                continue
            location = response.headers.get("location")
            if response.status in (301, 302, 303, 307, 308) and location:
                return transport.resolve_location(endpoint, location)
            problems.append("%s: HTTP %d %s" % (endpoint.host_header(), response.status, response.text() or response.reason))
        raise LeaderNotFound("no leading master found among %s (%s)" % (self.describe(), "; ".join(problems)))


class ZkUrl(object):
    """zk://[user:password@]servers/path, as Mesos reads it."""

    def __init__(self, text):
        match = re.match(r"^zk://(?:(.*)@)?([^/@]*)(/.*)?$", text.strip())
        if not match or not match.group(2):
            raise ValueError("%r is not a ZooKeeper URL; expected zk://host1:2181,host2:2181/path" % text)
        self.credentials = match.group(1)
        self.servers = match.group(2)
        path = match.group(3) or "/"
        if path == "/":
            raise ValueError("%r: expecting a (chroot) path for ZooKeeper ('/' is not supported)" % text)
        self.path = path[:-1] if path.endswith("/") else path

    def __str__(self):
        user = "%s:****@" % self.credentials.split(":")[0] if self.credentials is not None else ""
        return "zk://%s%s%s" % (user, self.servers, self.path)


def leader_member(children):
    """The group member that leads: the smallest sequence (`<label>_<seq>` or `<seq>`)."""
    members = []
    for name in children:
        sequence = name.rsplit("_", 1)[-1]
        if sequence.isdigit():
            members.append((int(sequence), name))
    return min(members)[1] if members else None


def master_endpoint(member, data):
    """Where to reach the master whose znode `member` holds `data` (bytes)."""
    label = member.rsplit("_", 1)[0] if "_" in member else ""
    text = data.decode("utf-8", "replace").strip()
    if label == "json.info":
        info = json.loads(text)
        pid = info.get("pid")
        if pid and "@" in pid:
            return transport.parse_endpoint(pid.split("@", 1)[1], 5050)
        address = info.get("address") or {}
        host = address.get("ip") or address.get("hostname") or info.get("hostname")
        port = address.get("port") or info.get("port")
        if host and port:
            return transport.Endpoint(host, port)
        raise LeaderNotFound("the leader's MasterInfo in %s names no address" % member)
    if label == "":
        # Masters before Mesos 0.24 wrote their UPID, master@ip:port.
        return transport.parse_endpoint(text.split("@", 1)[-1], 5050)
    raise LeaderNotFound("cannot read the leader's znode %s (label %r)" % (member, label))


class ZooKeeperMasters(object):
    """The leader elected in ZooKeeper, read with kazoo at each lookup."""

    follows = True

    def __init__(self, text):
        self.url = ZkUrl(text)
        try:
            from kazoo.client import KazooClient  # noqa: F401
        except ImportError:
            raise ValueError(_NO_KAZOO)
        self._client_class = KazooClient

    def describe(self):
        return str(self.url)

    def find(self, timeout=10.0, ssl_context=None):
        auth = [("digest", self.url.credentials)] if self.url.credentials is not None else None
        client = self._client_class(hosts=self.url.servers, timeout=timeout, auth_data=auth, read_only=True)
        try:
            client.start(timeout=timeout)
        except Exception as err:
            raise LeaderNotFound("cannot connect to ZooKeeper at %s: %s" % (self.url.servers, err))
        try:
            try:
                children = client.get_children(self.url.path)
            except Exception as err:
                raise LeaderNotFound("cannot list %s in ZooKeeper: %s" % (self.url, err))
            member = leader_member(children)
            if member is None:
                raise LeaderNotFound("no master leads in %s (none has joined the group)" % self.url)
            try:
                data, _ = client.get("%s/%s" % (self.url.path, member))
            except Exception as err:
                raise LeaderNotFound("cannot read the leader's znode %s/%s: %s" % (self.url.path, member, err))
            return master_endpoint(member, data)
        finally:
            client.stop()
            client.close()
