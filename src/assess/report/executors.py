"""Where a batch's reports run: local processes or a Dask cluster, behind one interface.

An executor takes report jobs and yields ``(job, outcome)`` pairs as reports finish, in
any order. Every report runs in its own child process forked from a single-threaded warm
parent (:mod:`assess.report._warm_parent`) and returns its files as bytes; the calling
process writes them, so Dask workers need no shared folder for the outputs (they do need
to read the store and the template at the same paths).

* :class:`LocalExecutor` — one warm parent for the batch, at most ``workers`` reports at
  a time. Without ``fork`` (Windows) each report runs in a fresh "spawn" process.
* :class:`DaskExecutor` — each Dask worker process starts one warm parent (a fresh
  interpreter: the worker has threads, so it never forks itself) and sends it the
  reports of its tasks.

Both run the same :func:`assess.report.child.render_job`, so the same batch gives the
same reports either way.
"""

from __future__ import annotations

import os
import queue
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from assess.core.errors import ParameterError, bilingual
from assess.report import isolation
from assess.report._warm_parent import shared_warm_parent, stop_shared_warm_parent
from assess.report.child import RenderOutcome, ReportJob, render_job
from assess.report.errors import ReportError, ReportExecutionError

__all__ = [
    "EXECUTORS",
    "Executor",
    "LocalExecutor",
    "DaskExecutor",
    "make_executor",
    "render_in_worker",
]

#: Executor names accepted by ``--executor``.
EXECUTORS: tuple[str, ...] = ("local", "dask")


class Executor(ABC):
    """Runs report jobs; use as a context manager so resources are released."""

    @abstractmethod
    def run(self, jobs: Sequence[ReportJob]) -> Iterator[tuple[ReportJob, RenderOutcome]]:
        """Yield ``(job, outcome)`` for every job as it finishes; never raises for a report."""

    def close(self) -> None:  # noqa: B027 - most executors hold nothing to release
        """Release processes or connections."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """Up to ``workers`` reports at a time, each in a child forked from one warm parent.

    The warm parent (:class:`~assess.report._warm_parent.WarmParent`) imports and prepares
    everything once, reads the batch's store once, forks a child per report and sends each
    outcome back as it finishes. It is single-threaded, so forking from it is safe; the
    calling process stays as it was (no shell, no matplotlib backend change).

    Parameters
    ----------
    workers : int, optional
        Reports run at the same time; default the number of CPUs.
    timeout : float, optional
        Seconds after which a report is stopped and counted as failed.
    """

    def __init__(self, workers: int | None = None, *, timeout: float | None = None) -> None:
        if workers is None:
            workers = os.cpu_count() or 1
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ParameterError("LocalExecutor", "workers", "a positive integer", workers)
        self.workers, self.timeout = workers, timeout

    def run(self, jobs: Sequence[ReportJob]) -> Iterator[tuple[ReportJob, RenderOutcome]]:
        jobs = list(jobs)
        if not isolation.can_fork():
            yield from self._run_spawned(jobs)
            return
        parent = shared_warm_parent()
        reply: queue.SimpleQueue[tuple[int, RenderOutcome]] = queue.SimpleQueue()
        batch = f"{os.getpid()}-{time.time_ns()}"  # the warm parent reads its store once
        waiting = deque(jobs)
        sent: dict[int, ReportJob] = {}
        try:
            while waiting or sent:
                while waiting and len(sent) < self.workers:
                    job = waiting.popleft()
                    sent[parent.submit(job, reply, timeout=self.timeout, batch=batch)] = job
                request_id, outcome = reply.get()
                yield sent.pop(request_id), outcome
        except BaseException:
            if sent:  # interrupted: stop the reports still running
                stop_shared_warm_parent()
            raise

    def _run_spawned(self, jobs: Sequence[ReportJob]) -> Iterator[tuple[ReportJob, RenderOutcome]]:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        # Threads only wait for the spawned processes; each report has its own process.
        with ThreadPoolExecutor(self.workers) as pool:
            futures = {pool.submit(_render_spawned, job, self.timeout): job for job in jobs}
            for future in as_completed(futures):
                yield futures[future], future.result()


def _render_spawned(job: ReportJob, timeout: float | None) -> RenderOutcome:
    start = time.monotonic()
    try:
        return isolation.run_spawned(render_job, job, timeout=timeout)
    except ReportError as exc:
        return RenderOutcome.failed(job.stem, exc, time.monotonic() - start)


def render_in_worker(
    job: ReportJob, timeout: float | None = None, batch: str | None = None
) -> RenderOutcome:
    """Render one job in a child of this process's warm parent; failures become outcomes.

    The task function of :class:`DaskExecutor`: each worker process starts one warm
    parent (:mod:`assess.report._warm_parent`) and every report of its tasks is forked
    from it, never from the threaded worker itself.
    """
    if not isolation.can_fork():
        return _render_spawned(job, timeout)
    reply: queue.SimpleQueue[tuple[int, RenderOutcome]] = queue.SimpleQueue()
    shared_warm_parent().submit(job, reply, timeout=timeout, batch=batch)
    return reply.get()[1]


class DaskExecutor(Executor):
    """Reports as tasks of a Dask ``distributed`` cluster.

    Parameters
    ----------
    address : str, optional
        Scheduler address, e.g. ``tcp://10.0.0.5:8786``. Ignored when ``client`` is given.
    client : distributed.Client, optional
        An existing client (e.g. of a ``LocalCluster``); it is not closed by :meth:`close`.
    timeout : float, optional
        Seconds after which a report is stopped and counted as failed.

    Raises
    ------
    ReportError
        ``distributed`` is not installed, or neither ``address`` nor ``client`` is given.
    """

    def __init__(
        self, address: str | None = None, *, client: Any = None, timeout: float | None = None
    ) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise ReportError(
                bilingual(
                    "使用 Dask 需要安装 distributed：pip install 'assess[dask]'",
                    "the Dask executor needs distributed: pip install 'assess[dask]'",
                )
            ) from exc
        if client is None and not address:
            raise ReportError(
                bilingual(
                    "Dask 执行器需要调度器地址（--scheduler）",
                    "the Dask executor needs a scheduler address (--scheduler)",
                )
            )
        self._own = client is None
        self.client = Client(address) if client is None else client
        self.timeout = timeout

    def run(self, jobs: Sequence[ReportJob]) -> Iterator[tuple[ReportJob, RenderOutcome]]:
        from distributed import as_completed

        batch = f"{os.getpid()}-{time.time_ns()}"  # the warm parents read its store once
        futures = {
            self.client.submit(
                render_in_worker,
                job,
                self.timeout,
                batch,
                pure=False,
                key=f"assess-report-{job.stem}-{os.getpid()}-{i}",
            ): job
            for i, job in enumerate(jobs)
        }
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    yield job, future.result()
                except Exception as exc:  # a worker lost, a serialisation problem
                    error = ReportExecutionError(
                        bilingual(f"Dask 任务失败：{exc}", f"the Dask task failed: {exc}")
                    )
                    yield job, RenderOutcome.failed(job.stem, error)
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_executor(
    name: str = "local",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float | None = None,
) -> Executor:
    """The executor called ``name`` (one of :data:`EXECUTORS`)."""
    if name == "local":
        return LocalExecutor(workers, timeout=timeout)
    if name == "dask":
        return DaskExecutor(scheduler, timeout=timeout)
    raise ParameterError("make_executor", "name", f"one of {', '.join(EXECUTORS)}", name)
