"""Client library for the Mesos v1 HTTP APIs (mesos-ts), installed by python-mesos.

Pure Python, for Python 3.6 and newer, standard library only:

- mesos.scheduler: SchedulerClient and the Scheduler handler (v1 scheduler API, JSON)
- mesos.executor: ExecutorClient and the Executor handler (v1 executor API, JSON)
- mesos.resources: building and comparing Resource messages
- mesos.recordio: the RecordIO framing of the event streams
- mesos.messages: ID, bytes and task-state helpers for the JSON messages
"""

__version__ = "0.1.0"
