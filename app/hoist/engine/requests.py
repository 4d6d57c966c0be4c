"""One S3 request of a task under the retry policy and its endpoint's network state.

The rules (issue #9): a connection fault with no HTTP answer, while nothing else
to the endpoint is answered, marks the endpoint down, and the request waits
with every other request to it until one probe gets an answer; that spends no
budget. The budget (``RetryPolicy``: tries *and* a minimum time) is spent only
by answers from the server (5xx, throttling, retryable 4xx), or by a connection
fault while other requests to the same endpoint are answered, which makes the
fault this request's own. Every retry is logged with its cause.

Credentials that expire (issue #28) are waited out the same way, on the account's
:class:`CredentialHealth`: the first "expired" answer stops every request with
those credentials, and one probe at a time, each on a client made afresh, looks
whether they were renewed. Nor does that spend any budget, unless the task was
told not to wait (``TransferConfig.wait_for_credentials``): then it fails.
"""

import logging

from hoist.core.policy.network import Stopped
from hoist.core.remote.errors import ErrorKind, S3Error, cause_of
from hoist.engine.progress import Interrupted

log = logging.getLogger("hoist.task")


def probe_for(bucket, fresh: bool = False):
    """A cheap request to the bucket; True on any HTTP answer (even an error). With
    ``fresh``, on a client made now (new credentials), and an "expired" is no answer."""
    waits = (ErrorKind.NETWORK, ErrorKind.EXPIRED) if fresh else (ErrorKind.NETWORK,)

    def probe() -> bool:
        try:
            bucket.check_access(fresh=fresh)
        except S3Error as error:
            return error.kind not in waits
        return True
    return probe


def run_request(task, fn, report, what: str, part: bool = False):
    """Run ``fn()`` (one S3 request) for ``task`` until it succeeds, the budget is spent,
    or the task is asked to stop (:class:`Interrupted`)."""
    health, policy, clock, stats = task.health, task.policy, task.clock, task.stats
    attempt, first_failure, waited = 0, None, ""
    while True:
        if task.stopping():
            raise Interrupted()
        if health.is_down:
            _wait(task, health, report)
            waited = " and a wait for the network"
        credentials = task.credentials       # Accounts may move the task to renewed ones
        if credentials.is_down:
            _wait(task, credentials, report, fresh=True)
            waited = " and a wait for fresh credentials"
            continue                         # the network may have gone meanwhile
        started = clock.monotonic()
        try:
            result = fn()
        except S3Error as error:
            if task.stopping():
                raise Interrupted() from None
            cause = cause_of(error)
            if error.kind is ErrorKind.NETWORK and not health.answered_since(started):
                health.went_down()
                log.warning("task %s: %s: no answer from the endpoint (%s, %s): waiting for "
                            "the network", task.id, what, error.code, cause)
                if part:
                    stats.resent()
                continue                     # the loop waits for the endpoint first
            if error.kind is not ErrorKind.NETWORK:
                health.answered()            # an error answer still proves the link works
            if error.kind is ErrorKind.EXPIRED and task.config.wait_for_credentials:
                if credentials.went_down(error.message, sent_at=started):
                    log.warning("task %s: %s: %s (%s): waiting for fresh credentials",
                                task.id, what, error.message, error.code)
                if part:
                    stats.resent()
                continue
            retryable = error.kind in (ErrorKind.RETRYABLE, ErrorKind.NETWORK)
            now = clock.monotonic()
            first_failure = now if first_failure is None else first_failure
            if not (retryable and policy.should_retry(ErrorKind.RETRYABLE, attempt + 1,
                                                       now - first_failure)):
                if retryable:
                    log.error("task %s: %s gave up after %d tries over %.0f s (%s, %s)",
                              task.id, what, attempt + 1, now - first_failure, error.code, cause)
                raise
            attempt += 1
            stats.retried(cause)
            if part:
                stats.resent()
            delay = policy.delay(attempt, getattr(error, "retry_after", None))
            report(f"{error.message} — retry {attempt} in {delay:.0f} s")
            log.warning("task %s: %s failed (%s, %s); retry %d in %.1f s",
                        task.id, what, error.code, cause, attempt, delay)
            task._sleep(delay)
            continue
        health.answered()
        if attempt or waited:
            report("")
            log.info("task %s: %s succeeded after %d retries%s", task.id, what, attempt, waited)
        return result


def _wait(task, gate, report, fresh: bool = False) -> None:
    """Wait with every other request until ``gate`` (the endpoint's network, or with
    ``fresh`` the account's credentials) is found up again."""
    def probe() -> bool:        # the task's bucket now: Accounts may have renewed its key
        return probe_for(task.bucket, fresh)()
    try:
        seconds = gate.wait_until_up(probe, task.stopping, report)
    except Stopped:
        raise Interrupted() from None
    task.stats.waited(seconds, credentials=fresh)
    report("")
