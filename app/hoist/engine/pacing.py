"""PartPacer: the manager's link to :class:`LinkController` for automatic parts.

Where the config leaves part size or parts in flight automatic (None), the
measured link decides: jobs are timed on the clock, finished parts and
prepares are reported to the controller, and each endpoint's parts in flight
are held to the controller's limit. Explicit values always win.
"""

from collections import Counter
from dataclasses import replace

from hoist.core.policy.adaptive import LinkController
from hoist.core.settings.config import AUTO_PARTS_IN_FLIGHT, TransferConfig
from hoist.engine.jobs import OK, TaskJob


def endpoint_key(task) -> str:
    """The link a task's parts share: its endpoint, or AWS's regional one."""
    record = task.record
    return record.endpoint_url or f"aws:{record.region or 'default'}"


class PartPacer:
    """Times jobs, feeds the controller, and answers "may this task send another part?"."""

    def __init__(self, clock):
        self.clock = clock
        # the controller's own cap is the automatic one: the config may turn automatic later
        self.link = LinkController(clock, max_parts=AUTO_PARTS_IN_FLIGHT)
        self._in_flight: Counter = Counter()    # parts in flight per endpoint

    def may_send(self, config: TransferConfig, task) -> bool:
        """Below the per-file cap, and the endpoint's automatic limit when there is no total cap."""
        if config.parts_per_file is not None and len(task.in_flight) >= config.parts_per_file:
            return False
        endpoint = endpoint_key(task)
        return config.parts_total is not None or self._in_flight[endpoint] < self.link.limit(endpoint)

    def choose_part_size(self, config: TransferConfig, task) -> None:
        """Before a prepare: a task added in automatic mode gets its part size now.

        It is fixed once the upload is created (the checkpoint keeps it); a
        task with a part size of its own (``--part-size``) keeps that.
        """
        if not task.record.part_size:
            size = config.part_size or self.link.part_size(endpoint_key(task), task.record.size)
            task.config = replace(task.config, part_size=size)

    def job(self, kind: str, task, step, part=None) -> TaskJob:
        """A job that notes how long its step took on the clock (``job.seconds``)."""
        def run(report):
            start = self.clock.monotonic()
            result = step(part, report) if part is not None else step(report)
            job.seconds = self.clock.monotonic() - start
            return result

        job = TaskJob(kind, task, run, part)
        job.seconds = None
        if kind == "part":
            self._in_flight[endpoint_key(task)] += 1
        return job

    def finished(self, job: TaskJob, outcome: str) -> None:
        """A job made by :meth:`job` returned: tell the controller what it took."""
        if job.kind == "part":
            endpoint = endpoint_key(job.task)
            in_flight = self._in_flight[endpoint]       # this part included
            self._in_flight[endpoint] -= 1
            if outcome == OK and job.seconds is not None:
                self.link.part_done(endpoint, job.part.size, job.seconds, in_flight)
        elif job.kind == "prepare" and outcome == OK and job.seconds is not None:
            self.prepared(job.task, job.seconds)

    def prepared(self, task, seconds: float) -> None:
        """A prepare took ``seconds``: a stat, a hash of a few blocks and one or two small
        requests (a small file's PutObject among them), near one round trip."""
        self.link.observe_rtt(endpoint_key(task), seconds)
