"""A small custom executor for the integration tests, built on mesos.executor.

It reports each task TASK_RUNNING and greets the scheduler, answers "ping" with "pong",
finishes its tasks on "finish", reports TASK_KILLED on KILL, and exits on SHUTDOWN.
The agent starts it as ExecutorInfo.command; PYTHONPATH must reach the `mesos` package.
"""

from mesos.executor import Executor, ExecutorClient


class Echo(Executor):
    def __init__(self):
        self.tasks = []

    def launch(self, client, task):
        task_id = task["task_id"]["value"]
        self.tasks.append(task_id)
        client.send_status(task_id, "TASK_RUNNING")
        client.message("hello " + task_id)

    def message(self, client, data):
        if data == b"ping":
            client.message(b"pong")
        elif data == b"finish":
            for task_id in self.tasks:
                client.send_status(task_id, "TASK_FINISHED", message="finished by the echo executor")
            self.tasks = []

    def kill(self, client, task_id, kill_policy):
        if task_id in self.tasks:
            self.tasks.remove(task_id)
        client.send_status(task_id, "TASK_KILLED")

    def shutdown(self, client):
        client.stop()


if __name__ == "__main__":
    ExecutorClient(Echo()).run()
