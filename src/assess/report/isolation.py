"""Child processes that compute one thing and die, so nothing they change survives them.

On POSIX a :class:`Child` is :func:`os.fork`-ed from the warm parent
(:mod:`assess.report._warm_parent`): it starts with every module the parent imported
(pandas, matplotlib, IPython, nbconvert, `assess`), so a report costs its own work and
not two seconds of imports, and it exits with :func:`os._exit` once its result is sent
back through a pipe (framed by :func:`frame`, read by :class:`FrameReader`). Variables,
matplotlib ``rcParams``, pandas options and any other global state it sets die with it.

Windows has no ``fork``: there :func:`run_spawned` starts a fresh interpreter per report
(``multiprocessing`` "spawn"), isolated as well but paying the imports each time.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from assess.core.errors import bilingual
from assess.report.errors import ReportError, ReportExecutionError

__all__ = ["can_fork", "frame", "FrameReader", "quiet_std_streams", "Child", "run_spawned"]

T = TypeVar("T")
_A = TypeVar("_A")


def can_fork() -> bool:
    """Whether reports can be forked from a warm parent (POSIX) or need a fresh process."""
    return hasattr(os, "fork")


def _describe(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, ReportError):
        return type(exc).__name__, str(exc)
    tail = "".join(traceback.format_exception(exc)[-3:]).strip()
    return "ReportExecutionError", bilingual(
        f"报告进程出错：{type(exc).__name__}: {exc}", f"the report process failed: {tail}"
    )


def _rebuild(name: str, message: str) -> ReportError:
    from assess.report import errors

    cls = getattr(errors, name, ReportExecutionError)
    return (
        cls(message)
        if isinstance(cls, type) and issubclass(cls, ReportError)
        else ReportExecutionError(message)
    )


_HEADER = struct.Struct(">Q")


def frame(obj: Any) -> bytes:
    """``obj`` pickled, with its length in front: one message on a pipe."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


class FrameReader:
    """Reads the messages :func:`frame` wrote to a pipe, as they arrive.

    Call :meth:`read` when :meth:`fileno` is readable (it returns True at the end of the
    pipe), then take the complete messages with :meth:`frames`.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()
        self.received = 0

    def fileno(self) -> int:
        return self._fd

    def read(self) -> bool:
        data = os.read(self._fd, 1 << 20)
        self._buffer += data
        return not data

    def frames(self) -> list[Any]:
        out = []
        while len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            if len(self._buffer) < _HEADER.size + size:
                break
            out.append(pickle.loads(self._buffer[_HEADER.size : _HEADER.size + size]))
            del self._buffer[: _HEADER.size + size]
            self.received += 1
        return out


def quiet_std_streams() -> None:  # pragma: no cover - runs in child processes
    """Send a child's stdin, stdout and stderr to the null device.

    Stray output of libraries must reach neither the parent's terminal (its progress bar)
    nor a pipe that carries messages, whether written by Python or by C code (DuckDB's
    progress bar).
    """
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()


class Child:
    """A forked child computing ``func(arg)``; the parent reads its pickled result.

    Call :meth:`read` when :meth:`fileno` is readable until it returns True, then
    :meth:`result`. The warm parent (:mod:`assess.report._warm_parent`) multiplexes
    several with :func:`select.select`.
    Fork only from a single-threaded process: a lock another thread holds at fork time
    stays locked in the child forever.
    """

    def __init__(self, func: Callable[[_A], Any], arg: _A) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            os.close(read_fd)
            _child_main(func, arg, write_fd)
        os.close(write_fd)
        self.pid = pid
        self._reader = FrameReader(read_fd)
        self._closed = False
        self.started = time.monotonic()

    def fileno(self) -> int:
        return self._reader.fileno()

    def read(self) -> bool:
        """Read what the child has sent; True once it has closed its end."""
        return self._reader.read()

    def result(self) -> Any:
        """Reap the finished child; its result, or its error raised here."""
        found = self._reader.frames()
        self._close()
        _, status = os.waitpid(self.pid, 0)
        if not found:
            how = (
                f"signal {os.WTERMSIG(status)}"
                if os.WIFSIGNALED(status)
                else f"exit code {os.waitstatus_to_exitcode(status)}"
            )
            raise ReportExecutionError(
                bilingual(
                    f"报告子进程异常退出（{how}），未返回结果",
                    f"the report's child process died ({how}) without a result",
                )
            )
        kind, value = found[0]
        if kind == "error":
            raise _rebuild(*value)
        return value

    def kill(self) -> None:
        """Stop the child at once and reap it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._close()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:  # already reaped
            pass

    def _close(self) -> None:
        if not self._closed:
            os.close(self._reader.fileno())
            self._closed = True


def _child_main(
    func: Callable[[Any], Any], arg: Any, fd: int
) -> None:  # pragma: no cover - runs in the child
    code = 0
    try:
        quiet_std_streams()
        with os.fdopen(fd, "wb") as pipe:
            try:
                payload: tuple[str, Any] = ("ok", func(arg))
            except BaseException as exc:  # everything goes back to the parent
                payload = ("error", _describe(exc))
            pipe.write(frame(payload))
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _timeout_error(seconds: float) -> ReportExecutionError:
    return ReportExecutionError(
        bilingual(
            f"报告运行超过 {seconds:g} 秒，已终止",
            f"the report ran longer than {seconds:g} s and was stopped",
        )
    )


def run_spawned(func: Callable[[_A], T], arg: _A, *, timeout: float | None = None) -> T:
    """``func(arg)`` computed in a fresh interpreter; its result, or its error re-raised here.

    The way reports run where there is no ``fork`` (Windows): isolated, but paying all
    imports each time.

    Raises
    ------
    ReportError
        The child's :class:`ReportError`, as raised there; any other exception of the
        child, its death or its timeout as :class:`ReportExecutionError`.
    """
    return _run_spawned(func, arg, timeout)


def _spawned_entry(func: Callable[[Any], Any], arg: Any) -> tuple[str, Any]:
    try:
        return "ok", func(arg)
    except BaseException as exc:
        return "error", _describe(exc)


def _run_spawned(func: Callable[[_A], T], arg: _A, timeout: float | None) -> T:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            kind, value = pool.submit(_spawned_entry, func, arg).result(timeout)
        except FutureTimeout as exc:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            raise _timeout_error(timeout or 0) from exc
    if kind == "error":
        raise _rebuild(*value)
    result: T = value
    return result
