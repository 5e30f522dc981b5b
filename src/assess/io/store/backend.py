"""The one interface every store backend offers, and what the backends share.

A backend is one open connection to a store: the embedded DuckDB file
(:mod:`assess.io.store.duckdb_backend`, the default) or a database on a PostgreSQL server
(:mod:`assess.io.store.postgres_backend`, selected by a ``postgresql://`` URL). The
import, read and publishing modules write their SQL once, in the dialect both accept
(``?`` placeholders, ``FILTER``, window functions, ``unnest(?::VARCHAR[])``), and hand
Arrow tables in and out through the methods below; sorting and hashing happen in the
client, so the content hashes of the same data agree between backends.
"""

from __future__ import annotations

import contextlib
import os
import pwd
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from assess.core.errors import StoreError, bilingual

__all__ = ["Backend", "URL_SCHEMES", "is_url", "lock_timeout", "process_label"]

#: URL schemes that select the PostgreSQL backend (openGauss and KingbaseES speak its protocol).
URL_SCHEMES: tuple[str, ...] = ("postgresql://", "postgres://")

#: Seconds a writer (and, on DuckDB, a reader) waits for the store held by another program.
_DEFAULT_TIMEOUT = 60.0
_TIMEOUT_VARIABLE = "ASSESS_STORE_TIMEOUT"


class Backend(Protocol):
    """An open store connection (see the module docstring)."""

    #: What messages call the store: the file path, or the URL without its password.
    label: str

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a query."""
        ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement (several, separated by ``;``, when ``params`` is empty)."""
        ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        ...

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A query as a DataFrame: ``int64`` (``Int64`` with missing values), ``bool``, ``str``."""
        ...

    def batches(
        self, sql: str, params: Sequence[Any], schema: pa.Schema, batch_rows: int
    ) -> pa.RecordBatchReader:
        """A (large) query in Arrow batches of at most ``batch_rows`` rows, typed by ``schema``."""
        ...

    def stage(self, name: str, rows: pa.Table) -> None:
        """Make ``rows`` readable in SQL as the relation ``name`` (in bulk, never row by row)."""
        ...

    def unstage(self, name: str) -> None:
        """Forget a staged relation."""
        ...

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """A transaction holding the store's write lock: committed, or rolled back on error."""
        ...

    def reading(self) -> contextlib.AbstractContextManager[None]:
        """A consistent snapshot for the reads inside the block (re-entrant)."""
        ...

    def relations(self) -> set[str]:
        """Names of the tables and views of the store."""
        ...

    def columns(self) -> dict[str, set[str]]:
        """The columns each table of the store has now, by table name."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


def is_url(location: object) -> bool:
    """Whether ``location`` is a server URL rather than a file path."""
    return isinstance(location, str) and "://" in location


def lock_timeout() -> float:
    """Seconds to wait for a store another program holds (``ASSESS_STORE_TIMEOUT``, default 60)."""
    text = os.environ.get(_TIMEOUT_VARIABLE, "")
    if not text:
        return _DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise StoreError(
            bilingual(
                f"环境变量 {_TIMEOUT_VARIABLE} 应为非负秒数，实际为 {text!r}",
                f"environment variable {_TIMEOUT_VARIABLE} must be a number of seconds ≥ 0, "
                f"not {text!r}",
            )
        )
    return value


def process_label(pid: int) -> str:
    """``"PID 123, user, `assess import data/demo`"``, as far as this machine can tell."""
    parts = [f"PID {pid}"]
    with contextlib.suppress(OSError, KeyError):
        parts.append(pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name)
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
        command = " ".join(_short_argv([a.decode(errors="replace") for a in argv if a]))
        if command:
            parts.append(f"`{command[:160]}`")
    return ", ".join(parts)


def _short_argv(argv: list[str]) -> Iterator[str]:
    """argv with the interpreter and the path of a console script shortened to their names."""
    for i, arg in enumerate(argv):
        yield os.path.basename(arg) if i < 2 and "/" in arg else arg
