"""The embedded backend: the store as one DuckDB file.

DuckDB lets one process write a file, and while it has the file open for writing no other
process can open it at all, not even to read. Opening a file another program holds waits
up to :func:`~assess.io.store.backend.lock_timeout` seconds, then says which program
holds it (its PID, user and command line). Within one process, readers share the writer's
instance and read consistent snapshots.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from assess.core.errors import StoreError, bilingual
from assess.io.store.backend import lock_timeout, process_label

__all__ = ["DuckDBBackend"]

# DuckDB itself takes at most this much memory while reading; it evicts the blocks it has
# scanned and sorts a larger table on disk, next to the store (``<store>.tmp``).
_READ_MEMORY_LIMIT = "1GB"
_HOLDER = re.compile(r"PID (\d+)")
_POLL_SECONDS = 0.1


class DuckDBBackend:
    """A DuckDB store file open in this process (see the module docstring)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self._con = con
        self.path = path
        self.label = str(path)
        self._reading = 0

    @classmethod
    def open(cls, path: Path, *, create: bool, read_only: bool) -> DuckDBBackend:
        """The store file at ``path``, checked (its folder created) as :meth:`Store.open` says."""
        if path.is_dir():
            raise StoreError(
                bilingual(
                    f"{path} 是文件夹，不是数据库文件；请给出 .duckdb 文件的路径，"
                    f"如 {path / 'assess.duckdb'}",
                    f"{path} is a folder, not a store file; give the path of a .duckdb file, "
                    f"e.g. {path / 'assess.duckdb'}",
                )
            )
        if path.exists() and not _is_duckdb_file(path):
            raise StoreError(
                bilingual(
                    f"{path} 不是 DuckDB 数据库文件，不能作为 assess 数据库打开",
                    f"{path} is not a DuckDB database file and cannot be opened as a store",
                )
            )
        if not path.exists():
            if read_only or not create:
                raise StoreError(
                    bilingual(
                        f"找不到数据库文件 {path}；请先用 assess import 导入数据",
                        f"store {path} not found; import data with assess import first",
                    )
                )
            path.parent.mkdir(parents=True, exist_ok=True)
        return cls(_connect_waiting(path, read_only=read_only), path)

    # ---- statements

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._con.execute(sql, list(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        if params:
            self._con.execute(sql, list(params))
        else:
            self._con.execute(sql)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._con.executemany(sql, [list(row) for row in rows])

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return self._con.sql(sql, params=list(params) or None).df()

    def batches(
        self, sql: str, params: Sequence[Any], schema: pa.Schema, batch_rows: int
    ) -> pa.RecordBatchReader:
        return self._con.sql(sql, params=list(params)).to_arrow_reader(batch_rows)

    def stage(self, name: str, rows: pa.Table) -> None:
        self._con.register(name, rows)  # no copy: DuckDB scans the Arrow table

    def unstage(self, name: str) -> None:
        self._con.unregister(name)

    # ---- transactions

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        # The file lock is the write lock: no other process has the file open.
        self._con.begin()
        try:
            yield
        except BaseException:
            self._con.rollback()
            raise
        self._con.commit()

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        if self._reading:
            yield
            return
        self._reading += 1
        try:
            with _memory_limit(self._con, _READ_MEMORY_LIMIT):
                self._con.begin()
                try:
                    yield
                finally:
                    self._con.rollback()  # nothing to keep: the block only read
        finally:
            self._reading -= 1

    # ---- layout

    def relations(self) -> set[str]:
        return {
            name
            for (name,) in self._con.sql(
                "SELECT table_name FROM duckdb_tables() WHERE NOT internal "
                "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }

    def columns(self) -> dict[str, set[str]]:
        present: dict[str, set[str]] = {}
        for table, column in self._con.sql(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal"
        ).fetchall():
            present.setdefault(table, set()).add(column)
        return present

    def close(self) -> None:
        self._con.close()


def _is_duckdb_file(path: Path) -> bool:
    # DuckDB would open a CSV or Parquet file as a database of views on it; check the magic
    # bytes of its own format instead (bytes 8-11 of every DuckDB file).
    with path.open("rb") as handle:
        return handle.read(12)[8:] == b"DUCK"


def _connect_waiting(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to ``path``, waiting while another process holds the file."""
    deadline = time.monotonic() + lock_timeout()
    while True:
        try:
            return _connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            holder = _HOLDER.search(str(exc))
            if holder is None:
                raise _cannot_open(path, exc) from exc
            if time.monotonic() >= deadline:
                who = process_label(int(holder.group(1)))
                waited = f"{lock_timeout():g}"
                raise StoreError(
                    bilingual(
                        f"数据库文件 {path} 正被另一程序占用（{who}），等待 {waited} 秒后仍未释放；"
                        "DuckDB 文件同一时间只允许一个程序写入，写入时其他程序也不能读取。"
                        "请等它结束后重试，或多人共用时改用 PostgreSQL 数据库"
                        "（--store postgresql://...）",
                        f"store {path} is held by another program ({who}) and was not released "
                        f"within {waited} s; a DuckDB file admits one writing program, and "
                        "while it writes no other program can read it. Try again when it has "
                        "finished, or share a PostgreSQL store (--store postgresql://...)",
                    )
                ) from exc
            time.sleep(_POLL_SECONDS)
        except duckdb.Error as exc:
            raise _cannot_open(path, exc) from exc


def _cannot_open(path: Path, exc: Exception) -> StoreError:
    return StoreError(
        bilingual(
            f"无法打开数据库文件 {path}：{exc}",
            f"cannot open store {path}: {exc}",
        )
    )


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.ConnectionException:
        if not read_only:
            raise
        # This process already has the file open for writing (e.g. a Store in the same
        # notebook), and DuckDB gives one process one configuration per file: read through
        # that instance; Store still refuses writes.
        return duckdb.connect(str(path))


@contextlib.contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's memory limit lowered to ``limit`` inside the block, restored after."""

    def current() -> str:
        return str(con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0])

    before = current()
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        # The default is restored exactly; a limit set before only as precisely as DuckDB
        # prints it (18.8 GiB).
        con.execute("RESET memory_limit")
        if current() != before:
            con.execute(f"SET memory_limit = '{before}'")
