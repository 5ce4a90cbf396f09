"""Building and reading Mesos Resource messages (v1 JSON dicts).

    task_resources = [cpus(0.1), mem(32), ports([(31000, 31000)])]
    if fits(offer["resources"], task_resources): ...

Scalars are compared in Mesos' fixed point (three decimals), so 0.1 + 0.2 fits into 0.3.
Ranges are inclusive [begin, end] pairs. Roles: `role` puts the resource into a static
reservation (`reservations`), `allocation_role` sets `allocation_info` (what MULTI_ROLE
frameworks must echo from the offer).
"""

import re


def _fixed(value):
    return int(round(value * 1000))


def _resource(name, kind, role, allocation_role):
    resource = {"name": name, "type": kind}
    if role is not None and role != "*":
        resource["reservations"] = [{"type": "STATIC", "role": role}]
    if allocation_role is not None:
        resource["allocation_info"] = {"role": allocation_role}
    return resource


def scalar(name, value, role=None, allocation_role=None):
    """A SCALAR resource such as cpus, mem (MB), disk (MB) or gpus."""
    resource = _resource(name, "SCALAR", role, allocation_role)
    resource["scalar"] = {"value": _fixed(float(value)) / 1000.0}
    return resource


def cpus(value, role=None, allocation_role=None):
    return scalar("cpus", value, role, allocation_role)


def mem(megabytes, role=None, allocation_role=None):
    return scalar("mem", megabytes, role, allocation_role)


def disk(megabytes, role=None, allocation_role=None):
    return scalar("disk", megabytes, role, allocation_role)


def gpus(value, role=None, allocation_role=None):
    return scalar("gpus", value, role, allocation_role)


def ranges(name, spans, role=None, allocation_role=None):
    """A RANGES resource from (begin, end) pairs, inclusive; a bare int is a one-port range."""
    resource = _resource(name, "RANGES", role, allocation_role)
    items = []
    for span in spans:
        begin, end = (span, span) if isinstance(span, int) else span
        if begin > end:
            raise ValueError("range %d-%d: begin is after end" % (begin, end))
        items.append({"begin": int(begin), "end": int(end)})
    resource["ranges"] = {"range": items}
    return resource


def ports(spans, role=None, allocation_role=None):
    return ranges("ports", spans, role, allocation_role)


def set_of(name, items, role=None, allocation_role=None):
    """A SET resource (e.g. disks {a, b})."""
    resource = _resource(name, "SET", role, allocation_role)
    resource["set"] = {"item": sorted(set(items))}
    return resource


def with_allocation_role(resources, role):
    """Copies of `resources` carrying allocation_info {role} (needed by MULTI_ROLE frameworks)."""
    result = []
    for r in resources:
        copy = dict(r)
        copy["allocation_info"] = {"role": role}
        result.append(copy)
    return result


def scalar_total(resources, name):
    """The sum of the scalar resources called `name` (0.0 when there are none)."""
    total = sum(_fixed(r["scalar"]["value"]) for r in resources if r.get("name") == name and "scalar" in r)
    return total / 1000.0


def merge_ranges(spans):
    """Sorted, merged (begin, end) pairs; adjacent spans join ([1-2] + [3-4] = [1-4])."""
    merged = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def ranges_total(resources, name):
    """Every range of the resources called `name`, merged, as (begin, end) pairs."""
    spans = []
    for r in resources:
        if r.get("name") == name and "ranges" in r:
            spans.extend((x["begin"], x["end"]) for x in r["ranges"].get("range", []))
    return merge_ranges(spans)


def set_total(resources, name):
    items = set()
    for r in resources:
        if r.get("name") == name and "set" in r:
            items.update(r["set"].get("item", []))
    return items


def _ranges_contain(outer, inner):
    return all(any(ob <= ib and ie <= oe for ob, oe in outer) for ib, ie in inner)


def fits(available, wanted):
    """True when `wanted` (a list of resources) is contained in `available`, name by name.

    Roles and reservations are not distinguished: compare resources of one role.
    """
    for name in set(r["name"] for r in wanted):
        kinds = set(r.get("type") for r in wanted if r["name"] == name)
        if "SCALAR" in kinds and _fixed(scalar_total(wanted, name)) > _fixed(scalar_total(available, name)):
            return False
        if "RANGES" in kinds and not _ranges_contain(ranges_total(available, name), ranges_total(wanted, name)):
            return False
        if "SET" in kinds and not set_total(wanted, name) <= set_total(available, name):
            return False
    return True


def pick_ports(resources, count):
    """The lowest `count` ports offered in `resources`; raises ValueError when there are fewer."""
    chosen = []
    for begin, end in ranges_total(resources, "ports"):
        port = begin
        while port <= end and len(chosen) < count:
            chosen.append(port)
            port += 1
        if len(chosen) == count:
            return chosen
    raise ValueError("%d ports wanted, %d offered" % (count, len(chosen)))


_ENTRY = re.compile(r"^([A-Za-z0-9_./-]+)(?:\(([^)]*)\))?$")


def parse(text, allocation_role=None):
    """Resources from the Mesos text form: 'cpus:1;mem:128;ports:[31000-31005];disks:{a,b}',
    with optional roles ('cpus(web):2')."""
    result = []
    for token in (t.strip() for t in text.split(";")):
        if not token:
            continue
        head, sep, value = token.partition(":")
        match = _ENTRY.match(head.strip())
        if not sep or not match or not value.strip():
            raise ValueError("invalid resource %r: expected name:value or name(role):value" % token)
        name, role = match.group(1), match.group(2) or None
        value = value.strip()
        if value.startswith("["):
            if not value.endswith("]"):
                raise ValueError("invalid ranges in %r" % token)
            spans = []
            for part in value[1:-1].split(","):
                begin, dash, end = part.strip().partition("-")
                if not dash:
                    raise ValueError("invalid range %r in %r (expected begin-end)" % (part, token))
                spans.append((int(begin), int(end)))
            result.append(ranges(name, spans, role, allocation_role))
        elif value.startswith("{"):
            if not value.endswith("}"):
                raise ValueError("invalid set in %r" % token)
            items = [i.strip() for i in value[1:-1].split(",") if i.strip()]
            result.append(set_of(name, items, role, allocation_role))
        else:
            try:
                number = float(value)
            except ValueError:
                raise ValueError("invalid scalar %r in %r" % (value, token))
            if number < 0:
                raise ValueError("negative scalar in %r" % token)
            result.append(scalar(name, number, role, allocation_role))
    return result
