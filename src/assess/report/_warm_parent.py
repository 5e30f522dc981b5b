"""The warm parent of reports: one single-threaded process that forks a child per report.

It is started as a fresh interpreter (``python -m assess.report._warm_parent``), imports
and prepares everything once (:func:`assess.report.child.warm_up`), then reads requests
``(id, job, timeout, batch)`` on stdin, reads each batch's store once
(:func:`assess.report.content.preload_store`), forks one child per report and writes
``(id, outcome)`` on stdout as reports finish.

Why a separate interpreter: forking is only safe from a process with a single thread — a
lock another thread holds at fork time (DuckDB's, tqdm's monitor's, a Dask worker's)
stays locked in the child for ever. The processes that ask for reports often have
threads (a Dask worker, a Jupyter kernel, any program that showed a tqdm bar); the warm
parent never has any, so every report is forked from a clean, warm process.

Each process that asks for reports has one warm parent, started on first use and kept
(:func:`shared_warm_parent`), so later reports start at once.
"""

from __future__ import annotations

import atexit
import itertools
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from typing import Any

from assess.core.errors import AssessError, bilingual
from assess.report.child import RenderOutcome, ReportJob, render_job, warm_up
from assess.report.errors import ReportError, ReportExecutionError
from assess.report.isolation import Child, FrameReader, frame, quiet_std_streams

__all__ = ["WarmParent", "shared_warm_parent", "stop_shared_warm_parent", "serve"]

_DIED = ReportExecutionError(
    bilingual("报告的父进程意外结束，本报告未完成", "the reports' parent process ended early")
)


def _preload(job: ReportJob, batch: Any, checked: set[tuple[Any, ...]]) -> None:
    """Read the store of a job once per batch (again if it changed since), and the
    quarter's published appraisal (:func:`assess.report.published.preload_published`),
    so that every forked report only slices and draws its unit."""
    from assess.report.content import preload_store
    from assess.report.published import preload_published

    path = job.parameters.get("store")
    if isinstance(path, str) and path and (batch, path) not in checked:
        checked.add((batch, path))
        try:
            preload_store(path)
        except AssessError:
            pass  # each report then reads the store (and reports the problem) itself
    quarter, scheme = job.parameters.get("quarter"), job.parameters.get("scheme", "")
    key = (batch, path, quarter, scheme)
    if (
        isinstance(path, str)
        and path
        and isinstance(quarter, str)
        and isinstance(scheme, str)
        and "unit" in job.parameters
        and key not in checked
    ):
        checked.add(key)
        try:
            preload_published(path, quarter, scheme)
        except AssessError:
            pass  # the report says what is wrong


def _overdue(limit: float, seconds: float, stem: str) -> RenderOutcome:
    error = ReportExecutionError(
        bilingual(
            f"报告运行超过 {limit:g} 秒，已终止",
            f"the report ran longer than {limit:g} s and was stopped",
        )
    )
    return RenderOutcome.failed(stem, error, seconds)


def serve(requests: int, responses: int) -> None:  # pragma: no cover - the warm parent
    """The warm parent's loop, until ``requests`` is closed and every report has finished.

    The children's temporary files go in a folder of the warm parent's own, removed when
    it ends: a child killed at its time limit cannot clean up after itself.
    """
    scratch = tempfile.mkdtemp(prefix="assess-warm-")
    tempfile.tempdir = scratch
    try:
        _serve(requests, responses)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _serve(requests: int, responses: int) -> None:  # pragma: no cover - the warm parent
    warm_up()
    inbox = FrameReader(requests)
    outbox = os.fdopen(responses, "wb")
    pending: deque[tuple[int, ReportJob, float | None, Any]] = deque()
    running: dict[Child, tuple[int, ReportJob, float | None, Any]] = {}
    checked: set[tuple[Any, ...]] = set()
    listening = True

    def answer(request_id: int, outcome: RenderOutcome) -> None:
        outbox.write(frame((request_id, outcome)))
        outbox.flush()

    while listening or pending or running:
        while pending:
            request = pending.popleft()
            _preload(request[1], request[3], checked)
            running[Child(render_job, request[1])] = request
        deadlines = [c.started + r[2] for c, r in running.items() if r[2] is not None]
        wait = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        ready, _, _ = select.select(([inbox] if listening else []) + list(running), [], [], wait)
        if inbox in ready:
            listening = not inbox.read()
            pending.extend(inbox.frames())
        for child in [c for c in running if c in ready and c.read()]:
            request_id, job, _, _ = running.pop(child)
            try:
                answer(request_id, child.result())
            except ReportError as exc:
                seconds = time.monotonic() - child.started
                answer(request_id, RenderOutcome.failed(job.stem, exc, seconds))
        now = time.monotonic()
        late = [c for c, r in running.items() if r[2] is not None and now - c.started >= r[2]]
        for child in late:
            request_id, job, limit, _ = running.pop(child)
            child.kill()
            answer(request_id, _overdue(limit or 0.0, now - child.started, job.stem))


class WarmParent:
    """A running warm parent: send it jobs, get outcomes on a queue of your choice.

    Thread-safe: several threads (Dask tasks) may submit at once; a reader thread hands
    each outcome to the queue given with its request.
    """

    def __init__(self) -> None:
        requests_r, requests_w = os.pipe()
        responses_r, responses_w = os.pipe()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "assess.report._warm_parent"],
            stdin=requests_r,
            stdout=responses_w,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own group: kill() stops its reports too
        )
        os.close(requests_r)
        os.close(responses_w)
        self._write_fd, self._read_fd = requests_w, responses_r
        self._lock = threading.Lock()
        self._replies: dict[int, tuple[queue.SimpleQueue[Any], str]] = {}
        self._ids = itertools.count()
        self.alive = True
        threading.Thread(target=self._receive, name="assess-warm-parent", daemon=True).start()

    def submit(
        self,
        job: ReportJob,
        reply: queue.SimpleQueue[Any],
        *,
        timeout: float | None = None,
        batch: Any = None,
    ) -> int:
        """Send a job; ``(id, outcome)`` is put on ``reply`` when it finishes.

        ``batch`` marks the jobs of one batch: the warm parent reads a batch's store once.
        """
        with self._lock:
            request_id = next(self._ids)
            if not self.alive:
                reply.put((request_id, RenderOutcome.failed(job.stem, _DIED)))
                return request_id
            self._replies[request_id] = (reply, job.stem)
            data = memoryview(frame((request_id, job, timeout, batch)))
            try:
                while data:
                    data = data[os.write(self._write_fd, data) :]
            except OSError:  # the warm parent is gone; _receive answers the waiting jobs
                pass
        return request_id

    def _receive(self) -> None:
        reader = FrameReader(self._read_fd)
        while not reader.read():
            for request_id, outcome in reader.frames():
                with self._lock:
                    reply, _ = self._replies.pop(request_id)
                reply.put((request_id, outcome))
        with self._lock:
            self.alive = False
            for request_id, (reply, stem) in self._replies.items():
                reply.put((request_id, RenderOutcome.failed(stem, _DIED)))
            self._replies.clear()
        os.close(self._read_fd)

    def kill(self) -> None:
        """Stop the warm parent and every report it runs, at once."""
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.close()

    def close(self, *, wait: float = 30.0) -> None:
        """No more jobs: the warm parent exits once its reports finish (killed after
        ``wait`` seconds)."""
        with self._lock:
            self.alive = False
            try:
                os.close(self._write_fd)
            except OSError:  # already closed
                pass
        try:
            self._process.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()


_SHARED: list[WarmParent] = []
_SHARED_LOCK = threading.Lock()


def shared_warm_parent() -> WarmParent:
    """This process's warm parent, started on first use (or again if it died)."""
    with _SHARED_LOCK:
        if not _SHARED or not _SHARED[0].alive:
            if not _SHARED:
                atexit.register(_close_shared)
            _SHARED[:] = [WarmParent()]
        return _SHARED[0]


def stop_shared_warm_parent() -> None:
    """Kill this process's warm parent and its running reports (e.g. on Ctrl-C)."""
    with _SHARED_LOCK:
        if _SHARED:
            _SHARED.pop().kill()


def _close_shared() -> None:
    with _SHARED_LOCK:
        if _SHARED:
            _SHARED.pop().close(wait=5.0)


def _main() -> None:  # pragma: no cover - a started warm parent
    requests, responses = os.dup(0), os.dup(1)
    quiet_std_streams()
    serve(requests, responses)


if __name__ == "__main__":  # pragma: no cover
    _main()
