"""Where a batch's reports run: local processes or a Dask cluster, behind one interface.

An executor takes report jobs and yields ``(job, outcome)`` pairs as reports finish, in
any order. Every report runs in its own child process forked from a warm parent
(:mod:`assess.report.isolation`) and returns its files as bytes; the calling process
writes them, so Dask workers need no shared folder for the outputs (they do need to read
the store and the template at the same paths).

* :class:`LocalExecutor` — a warm parent forked from the calling process imports
  everything once (:func:`assess.report.runner.warm_up`), keeps up to ``workers`` report
  children running and streams their outcomes back. Without ``fork`` (Windows) each
  report runs in a fresh "spawn" process instead.
* :class:`DaskExecutor` — each task warms its worker once and forks a child per report
  inside it. Workers run tasks in threads; a child forked from a threaded process only
  ever runs the report and exits, so this is safe in practice, but Python 3.12+ warns
  about it (``DeprecationWarning``).

Both run the same :func:`assess.report.runner.render_job`, so the same batch gives the
same reports either way.
"""

from __future__ import annotations

import os
import select
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import AssessError, ParameterError, bilingual
from .content import preload_store
from .errors import ReportError, ReportExecutionError
from .isolation import Child, can_fork, run_isolated
from .runner import RenderOutcome, ReportJob, render_job, warm_up

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


def _failure(job: ReportJob, exc: BaseException, seconds: float = 0.0) -> RenderOutcome:
    return RenderOutcome(job.stem, False, {}, error=str(exc), seconds=seconds)


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

    The warm parent is itself a child of the calling process: it imports and prepares
    everything once (:func:`~assess.report.runner.warm_up`), forks one grandchild per
    report, and streams each outcome back as it finishes. The calling process stays as
    it was (no imports, no shell, no matplotlib backend change), and the warm parent is
    single-threaded, so forking from it is safe.

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
        if not jobs:
            return
        if not can_fork():
            yield from self._run_spawned(jobs)
            return
        parent = Child(_warm_parent, (jobs, self.workers, self.timeout), stream=True, group=True)
        done: set[int] = set()
        failure: ReportError = ReportExecutionError(
            bilingual(
                "报告的父进程提前结束，本报告未运行",
                "the reports' parent process ended before this report ran",
            )
        )
        try:
            ended = False
            while not ended:
                select.select([parent], [], [])
                ended = parent.read()
                try:
                    arrived = parent.messages()
                except ReportError as exc:  # the warm parent itself failed (e.g. warm-up)
                    arrived, ended, failure = [], True, exc
                for index, outcome in arrived:
                    done.add(index)
                    yield jobs[index], outcome
            try:
                parent.finish()
            except ReportError as exc:
                failure = exc
        except BaseException:
            parent.kill()
            raise
        for index, job in enumerate(jobs):
            if index not in done:
                yield job, _failure(job, failure)

    def _run_spawned(self, jobs: Sequence[ReportJob]) -> Iterator[tuple[ReportJob, RenderOutcome]]:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        # Threads only wait for the spawned processes; each report has its own process.
        with ThreadPoolExecutor(self.workers) as pool:
            futures = {pool.submit(render_in_worker, job, self.timeout): job for job in jobs}
            for future in as_completed(futures):
                yield futures[future], future.result()


def _warm_parent(
    arg: tuple[list[ReportJob], int, float | None],
) -> Iterator[tuple[int, RenderOutcome]]:  # pragma: no cover - runs in a forked child
    """The warm parent's loop: keep ``workers`` report children running, yield outcomes."""
    jobs, workers, timeout = arg
    warm_up()
    _preload(jobs)
    pending = deque(enumerate(jobs))
    running: dict[Child, int] = {}
    while pending or running:
        while pending and len(running) < workers:
            index, job = pending.popleft()
            running[Child(render_job, job)] = index
        wait = (
            None
            if timeout is None
            else max(0.0, timeout - (time.monotonic() - min(c.started for c in running)))
        )
        ready, _, _ = select.select(list(running), [], [], wait)
        for child in ready:
            if child.read():
                index = running.pop(child)
                try:
                    yield index, child.result()
                except ReportError as exc:
                    yield index, _failure(jobs[index], exc, time.monotonic() - child.started)
        now = time.monotonic()
        for child in [c for c in running if timeout is not None and now - c.started >= timeout]:
            index = running.pop(child)
            child.kill()
            yield (
                index,
                _failure(
                    jobs[index],
                    ReportExecutionError(
                        bilingual(
                            f"报告运行超过 {timeout:g} 秒，已终止",
                            f"the report ran longer than {timeout:g} s and was stopped",
                        )
                    ),
                    now - child.started,
                ),
            )


def _preload(jobs: Sequence[ReportJob]) -> None:
    """Read the batch's store once when all its reports use the same one."""
    stores = {job.parameters.get("store") for job in jobs}
    path = next(iter(stores)) if len(stores) == 1 else None
    if isinstance(path, str) and path:
        try:
            preload_store(path)
        except AssessError:
            pass  # each report then reads the store (and reports the problem) itself


def render_in_worker(job: ReportJob, timeout: float | None = None) -> RenderOutcome:
    """Render one job in a child of this (warmed) process; failures become outcomes.

    The task function of :class:`DaskExecutor`: the worker warms up and reads the job's
    store once, then forks a child per report.
    """
    start = time.monotonic()
    try:
        if can_fork():
            warm_up()
            _preload_once(job)
        return run_isolated(render_job, job, timeout=timeout)
    except ReportError as exc:
        return _failure(job, exc, time.monotonic() - start)


_PRELOAD_LOCK = threading.Lock()


def _preload_once(job: ReportJob) -> None:
    with _PRELOAD_LOCK:  # Dask runs several tasks at once in a worker
        _preload([job])


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

        futures = {
            self.client.submit(
                render_in_worker,
                job,
                self.timeout,
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
                    yield (
                        job,
                        _failure(
                            job,
                            ReportExecutionError(
                                bilingual(f"Dask 任务失败：{exc}", f"the Dask task failed: {exc}")
                            ),
                        ),
                    )
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
