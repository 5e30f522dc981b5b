"""Run a function in a child process so nothing it changes survives it.

On POSIX the child is :func:`os.fork`-ed from the calling process: it starts with every
module the parent imported (pandas, matplotlib, IPython, nbconvert, `assess`), so a
report costs its own work and not two seconds of imports, and it exits with
:func:`os._exit` once its result is sent back through a pipe. Variables, matplotlib
``rcParams``, pandas options and any other global state it sets die with it.

Windows has no ``fork``: there every call starts a fresh interpreter
(``multiprocessing`` "spawn"), which is isolated as well but pays the imports each time.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import select
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from ..errors import bilingual
from .errors import ReportError, ReportExecutionError

__all__ = ["can_fork", "Child", "run_isolated"]

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
    from . import errors

    cls = getattr(errors, name, ReportExecutionError)
    return (
        cls(message)
        if isinstance(cls, type) and issubclass(cls, ReportError)
        else ReportExecutionError(message)
    )


_HEADER = struct.Struct(">Q")


class Child:
    """A forked child computing ``func(arg)``; the parent reads its pickled results.

    With ``stream=True`` ``func`` is a generator and every item it yields is sent as soon
    as it exists. Call :meth:`read` when :meth:`fileno` is readable (it returns True at
    the end), take what arrived with :meth:`messages`, and reap the child with
    :meth:`finish`. :func:`run_isolated` does this for one child; the local executor
    multiplexes several with :func:`select.select`.
    """

    def __init__(
        self, func: Callable[[_A], Any], arg: _A, *, stream: bool = False, group: bool = False
    ) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            os.close(read_fd)
            if group:  # its own process group, so kill() also stops the children it forks
                os.setpgid(0, 0)
            _child_main(func, arg, write_fd, stream)
        os.close(write_fd)
        self.pid, self._fd, self._group = pid, read_fd, group
        self._closed = False
        self._buffer = bytearray()
        self.received = 0
        self.started = time.monotonic()

    def fileno(self) -> int:
        return self._fd

    def read(self) -> bool:
        """Read what the child has sent; True once it has closed its end."""
        data = os.read(self._fd, 1 << 20)
        self._buffer += data
        return not data

    def messages(self) -> list[Any]:
        """The results that arrived completely since the last call (an error is raised)."""
        out = []
        while len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            if len(self._buffer) < _HEADER.size + size:
                break
            kind, value = pickle.loads(self._buffer[_HEADER.size : _HEADER.size + size])
            del self._buffer[: _HEADER.size + size]
            self.received += 1
            if kind == "error":
                raise _rebuild(*value)
            out.append(value)
        return out

    def finish(self) -> None:
        """Reap the child; raise if it died before sending anything."""
        self._close()
        _, status = os.waitpid(self.pid, 0)
        if not self.received and not self._buffer:
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

    def result(self) -> Any:
        """The single result of a finished child (after :meth:`read` returned True)."""
        found = self.messages()
        self.finish()
        if not found:
            raise ReportExecutionError(
                bilingual(
                    "报告子进程未返回完整结果", "the report's child process sent no complete result"
                )
            )
        return found[0]

    def kill(self) -> None:
        """Stop the child (and, with ``group``, everything it forked) at once; reap it."""
        try:
            if self._group:
                os.killpg(self.pid, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._close()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:  # already reaped by finish()
            pass

    def _close(self) -> None:
        if not self._closed:
            os.close(self._fd)
            self._closed = True


def _send(pipe: Any, payload: tuple[str, Any]) -> None:  # pragma: no cover - in the child
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(_HEADER.pack(len(data)) + data)
    pipe.flush()


def _child_main(
    func: Callable[[Any], Any], arg: Any, fd: int, stream: bool
) -> None:  # pragma: no cover - runs in the child
    code = 0
    try:
        # Stray output of libraries must not reach the parent's terminal (progress bar),
        # neither through Python nor from C code (DuckDB's progress bar).
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        with os.fdopen(fd, "wb") as pipe:
            try:
                if stream:
                    for item in func(arg):
                        _send(pipe, ("ok", item))
                else:
                    _send(pipe, ("ok", func(arg)))
            except BaseException as exc:  # everything goes back to the parent
                _send(pipe, ("error", _describe(exc)))
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


def run_isolated(func: Callable[[_A], T], arg: _A, *, timeout: float | None = None) -> T:
    """``func(arg)`` computed in a child process; its result, or its error re-raised here.

    Parameters
    ----------
    func : callable
        A module-level function (it must be importable by name where there is no fork).
    arg : object
        Its argument (picklable where there is no fork).
    timeout : float, optional
        Seconds after which the child is killed and :class:`ReportExecutionError` raised.

    Raises
    ------
    ReportError
        The child's :class:`ReportError`, as raised there; any other exception of the
        child, or its death, as :class:`ReportExecutionError`.
    """
    if not can_fork():
        return _run_spawned(func, arg, timeout)
    child = Child(func, arg)
    try:
        while True:
            wait = None
            if timeout is not None:
                wait = timeout - (time.monotonic() - child.started)
                if wait <= 0:
                    raise _timeout_error(timeout)
            ready, _, _ = select.select([child], [], [], wait)
            if ready and child.read():
                break
    except BaseException:
        child.kill()
        raise
    result: T = child.result()
    return result


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
