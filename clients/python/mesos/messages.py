"""Helpers for the Mesos v1 JSON shapes shared by the scheduler and executor clients.

Messages are plain dicts in Mesos proto-JSON: snake_case field names as in the .proto files,
enums as strings, IDs as {"value": "..."}, bytes fields base64-encoded.
"""

import base64
import json
import uuid as _uuid

JSON = "application/json"

# TaskState values after which a task never changes state again (Mesos isTerminalState).
TERMINAL_STATES = frozenset(
    [
        "TASK_FINISHED",
        "TASK_FAILED",
        "TASK_KILLED",
        "TASK_LOST",
        "TASK_ERROR",
        "TASK_DROPPED",
        "TASK_GONE",
        "TASK_GONE_BY_OPERATOR",
    ]
)


def is_terminal(state):
    """True for a terminal TaskState name (TASK_FINISHED, TASK_FAILED, ...)."""
    return state in TERMINAL_STATES


def to_id(value):
    """An ID message from a string, or an ID message passed through ({"value": ...})."""
    if isinstance(value, dict):
        if "value" not in value:
            raise ValueError("an ID message needs a 'value': %r" % (value,))
        return {"value": value["value"]}
    if isinstance(value, str):
        return {"value": value}
    raise TypeError("expected an ID string or {'value': ...}, got %r" % (value,))


def id_value(value):
    """The string inside an ID message (or the string itself); None stays None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get("value")
    return value


def to_ids(values):
    """A list of ID messages from one ID or an iterable of them."""
    if isinstance(values, (str, dict)):
        values = [values]
    return [to_id(v) for v in values]


def encode_bytes(data):
    """Base64 for a `bytes` field (str is encoded as UTF-8 first)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(bytes(data)).decode("ascii")


def decode_bytes(text):
    """The bytes of a base64 `bytes` field; None or missing gives b''."""
    if not text:
        return b""
    return base64.b64decode(text)


def new_uuid():
    """A fresh status update UUID as Mesos JSON carries it: 16 random bytes, base64."""
    return encode_bytes(_uuid.uuid4().bytes)


def dumps(message):
    return json.dumps(message, separators=(",", ":"), sort_keys=False).encode("utf-8")


def loads(data):
    return json.loads(data.decode("utf-8"))


def filters(refuse_seconds):
    """A Filters message, or None when refuse_seconds is None (the master's default: 5 s)."""
    if refuse_seconds is None:
        return None
    return {"refuse_seconds": float(refuse_seconds)}


def parse_duration(text):
    """Seconds from a Mesos duration string such as '5secs', '100ms', '2mins', '1hrs'."""
    # Longest suffixes first: "mins" also ends in "ns".
    units = [
        ("weeks", 604800.0),
        ("days", 86400.0),
        ("secs", 1.0),
        ("mins", 60.0),
        ("hrs", 3600.0),
        ("ms", 1e-3),
        ("us", 1e-6),
        ("ns", 1e-9),
    ]
    value = text.strip()
    for suffix, scale in units:
        if value.endswith(suffix):
            try:
                return float(value[: -len(suffix)]) * scale
            except ValueError:
                break
    raise ValueError("%r is not a duration (expected e.g. 5secs, 100ms, 2mins)" % text)
