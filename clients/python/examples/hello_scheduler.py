#!/usr/bin/env python3
"""Launches one command task through the v1 scheduler API and waits for it to end.

    python3 hello_scheduler.py --master 127.0.0.1:5050 --command 'echo hello'

Exit status: 0 when the task reached TASK_FINISHED, 1 for any other terminal state or an
error, 2 on timeout. The framework is torn down before exiting.
"""

import argparse
import getpass
import logging
import os
import sys
import threading

# Run from a source checkout without installing: the package is one directory up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mesos import resources  # noqa: E402
from mesos.messages import id_value, is_terminal  # noqa: E402
from mesos.scheduler import Scheduler, SchedulerClient, command_task  # noqa: E402


class HelloScheduler(Scheduler):
    def __init__(self, command, task_resources):
        self.command = command
        self.task_resources = task_resources
        self.task_id = None
        self.final_state = None
        self.error = None
        self.done = threading.Event()

    def subscribed(self, client, framework_id, master_info):
        print("Subscribed with ID %s" % framework_id)
        sys.stdout.flush()

    def offers(self, client, offers):
        for offer in offers:
            if self.task_id is None and resources.fits(offer["resources"], self.task_resources):
                self.task_id = "hello-" + id_value(offer["id"])
                task = command_task(self.task_id, offer["agent_id"], self.command, self.task_resources, name="hello")
                client.launch(offer["id"], [task])
                print("Submitted task '%s' to agent '%s'" % (self.task_id, id_value(offer["agent_id"])))
            else:
                client.decline(offer["id"], refuse_seconds=60)
        if self.task_id is not None:
            client.suppress()

    def update(self, client, status):
        print("Received status update %s for task '%s'" % (status["state"], id_value(status["task_id"])))
        if status.get("message"):
            print("  message: '%s'" % status["message"])
        sys.stdout.flush()
        if id_value(status["task_id"]) == self.task_id and is_terminal(status["state"]):
            self.final_state = status["state"]
            self.done.set()

    def disconnected(self, client, reason):
        print("Disconnected from %s: %s" % (client.master, reason), file=sys.stderr)

    def error(self, client, message):
        print("Received an ERROR: %s" % message, file=sys.stderr)
        self.error = message
        self.done.set()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", default=os.environ.get("MESOS_MASTER", "127.0.0.1:5050"),
                        help="host:port, host1:port1,host2:port2 (the leader found through /master/redirect), "
                             "zk://host:2181/mesos (with kazoo) or file:///path "
                             "(default $MESOS_MASTER or 127.0.0.1:5050)")
    parser.add_argument("--command", default="echo 'Hello from mesos-ts'")
    parser.add_argument("--resources", default="cpus:0.1;mem:32", help="what the task needs")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the task")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)

    handler = HelloScheduler(args.command, resources.parse(args.resources))
    framework = {"user": getpass.getuser(), "name": "hello_scheduler (python)"}
    try:
        client = SchedulerClient(args.master, framework, handler, failover_timeout=0)
    except ValueError as err:
        parser.error("--master: %s" % err)
    client.start()
    finished = handler.done.wait(args.timeout)
    client.stop(teardown=True)
    if not finished:
        print("Timed out after %.0f s (task %s)" % (args.timeout, handler.task_id or "not launched"), file=sys.stderr)
        return 2
    return 0 if handler.final_state == "TASK_FINISHED" else 1


if __name__ == "__main__":
    sys.exit(main())
