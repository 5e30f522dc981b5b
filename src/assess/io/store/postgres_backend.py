"""The shared backend: the store as a database on a PostgreSQL server (psycopg 3).

Selected by a URL, ``postgresql://user@host:5432/assess`` (libpq's form; the password may
come from ``~/.pgpass`` or ``PGPASSWORD``). One database holds one store, in its current
schema (``?options=-csearch_path%3Dname`` in the URL picks another). Several analysts can
use it at once:

* every write (an import, a publication, creating the layout) is one transaction holding
  the store's advisory lock, so writers take turns: a second import waits up to
  :func:`~assess.io.store.backend.lock_timeout` seconds, then is refused with a message
  naming the session that holds the store (user, client, program, since when);
* every read (:meth:`Store.read`, :func:`read_store`, :func:`read_for_scoring`) runs in
  one ``REPEATABLE READ`` snapshot, so it sees the store before or after an import, never
  part of one; readers never wait for writers.

Rows travel in bulk both ways through ``COPY`` in CSV form, written and parsed by
pyarrow; text compares and sorts byte-wise (``COLLATE "C"``), as in DuckDB.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import sys
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from assess.core.errors import StoreError, bilingual
from assess.io.store.backend import lock_timeout

__all__ = ["PostgresBackend", "redact"]

# The advisory lock of a store: pg_try_advisory_xact_lock(classid, objid) with the class
# 0x61737365 ("asse") and the hash of the store's schema (locks are per database already).
_LOCK_CLASS = 0x61737365
_POLL_SECONDS = 0.2
_CONNECT_TIMEOUT = 10
# Type OIDs (pg_type) of the columns the store's queries return.
_INTS = {20: "int64", 21: "int16", 23: "int32"}
_BOOL = 16
_SQL_OF_ARROW = {
    pa.string(): "VARCHAR",
    pa.large_string(): "VARCHAR",
    pa.string_view(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE PRECISION",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


def redact(url: str) -> str:
    """``url`` without its password, as messages show it."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = urllib.parse.quote(parts.username or "", safe="")
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}@{netloc}"))


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - a dependency of assess
        raise StoreError(
            bilingual(
                "使用 PostgreSQL 数据库需要 psycopg：pip install 'psycopg[binary]'",
                "a PostgreSQL store needs psycopg: pip install 'psycopg[binary]'",
            )
        ) from exc
    return psycopg


class PostgresBackend:
    """A connection to a store on a PostgreSQL server (see the module docstring)."""

    def __init__(self, con: Any, url: str) -> None:
        self._con = con
        self.label = redact(url)
        self._depth = 0  # open transactions started by writing() or reading()

    @classmethod
    def open(cls, url: str, *, read_only: bool) -> PostgresBackend:
        """Connect to the server ``url`` names (the layout is checked by the caller)."""
        psycopg = _psycopg()
        try:
            con = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=_CONNECT_TIMEOUT,
                application_name=_application_name(),
            )
        except psycopg.Error as exc:
            raise StoreError(
                bilingual(
                    f"无法连接 PostgreSQL 数据库 {redact(url)}：{_first_line(exc)}",
                    f"cannot connect to PostgreSQL store {redact(url)}: {_first_line(exc)}",
                )
            ) from exc
        con.execute("SET DateStyle = ISO")
        if read_only:
            con.execute("SET default_transaction_read_only = on")
        return cls(con, url)

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    # ---- statements

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._con.cursor() as cur:
            cur.execute(self._sql(sql), list(params))
            return list(cur.fetchall())

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._con.cursor() as cur:
            cur.execute(self._sql(sql) if params else sql, list(params) or None)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self._con.cursor() as cur:
                cur.executemany(self._sql(sql), [list(row) for row in rows])

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with self._con.cursor() as cur:
            cur.execute(self._sql(sql), list(params))
            rows = cur.fetchall()
            description = cur.description
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(description)
        data = {}
        for col, values in zip(description, columns, strict=True):
            data[col.name] = _series(col.type_code, list(values))
        return pd.DataFrame(data)

    def batches(
        self, sql: str, params: Sequence[Any], schema: pa.Schema, batch_rows: int
    ) -> pa.RecordBatchReader:
        buffer = io.BytesIO()
        with self._con.cursor() as cur:
            with cur.copy(f"COPY ({self._sql(sql)}) TO STDOUT (FORMAT csv)", list(params)) as cp:
                for block in cp:
                    buffer.write(block)
        if buffer.tell() == 0:
            table = schema.empty_table()
        else:
            buffer.seek(0)
            table = pacsv.read_csv(
                buffer,
                read_options=pacsv.ReadOptions(column_names=schema.names),
                convert_options=pacsv.ConvertOptions(
                    column_types=schema,
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                    true_values=["t"],
                    false_values=["f"],
                ),
            )
        return pa.RecordBatchReader.from_batches(schema, table.to_batches(batch_rows))

    def stage(self, name: str, rows: pa.Table) -> None:
        body = ", ".join(f'"{f.name}" {_SQL_OF_ARROW[f.type]}' for f in rows.schema)
        self.execute(f'CREATE TEMPORARY TABLE "{name}" ({body})')
        self._copy_in(name, rows)

    def unstage(self, name: str) -> None:
        if self._con.info.transaction_status == _psycopg().pq.TransactionStatus.INERROR:
            return  # a failed statement: the rollback under way drops the staged table too
        self.execute(f'DROP TABLE IF EXISTS pg_temp."{name}"')

    def _copy_in(self, name: str, rows: pa.Table) -> None:
        """``rows`` appended to table ``name`` by COPY (pyarrow writes the CSV)."""
        buffer = io.BytesIO()
        pacsv.write_csv(rows, buffer, pacsv.WriteOptions(include_header=False))
        columns = ", ".join(f'"{c}"' for c in rows.column_names)
        with self._con.cursor() as cur:
            with cur.copy(f'COPY "{name}" ({columns}) FROM STDIN (FORMAT csv)') as cp:
                view = buffer.getbuffer()
                for start in range(0, len(view), 1 << 20):
                    cp.write(view[start : start + (1 << 20)])
                del view

    # ---- transactions

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        self._con.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        self._depth += 1
        try:
            self._lock()  # writers take turns: the state planned on is the state written to
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        else:
            self._con.execute("COMMIT")
        finally:
            self._depth -= 1

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        if self._depth:
            yield
            return
        self._con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            self._con.execute("ROLLBACK")

    def _lock(self) -> None:
        """Take the store's advisory lock, waiting up to lock_timeout() seconds."""
        timeout = lock_timeout()
        deadline = time.monotonic() + timeout
        while not self.query(
            "SELECT pg_try_advisory_xact_lock(?, hashtext(current_schema()))", [_LOCK_CLASS]
        )[0][0]:
            if time.monotonic() >= deadline:
                who = self._holder()
                raise StoreError(
                    bilingual(
                        f"PostgreSQL 数据库 {self.label} 正由另一会话写入（{who}），"
                        f"等待 {timeout:g} 秒后仍未结束；本次未写入任何数据，请稍后重试",
                        f"PostgreSQL store {self.label} is being written by another session "
                        f"({who}), which did not finish within {timeout:g} s; nothing was "
                        "written. Try again later",
                    )
                )
            time.sleep(_POLL_SECONDS)

    def _holder(self) -> str:
        """The session that holds the store's lock, as far as this user may see it."""
        found = self.query(
            "SELECT a.pid, a.usename, coalesce(host(a.client_addr), 'local'), "
            "a.application_name, to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SS TZ') "
            "FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = ? "
            "AND l.objid::bigint = hashtext(current_schema())::bigint & 4294967295 "
            "AND l.objsubid = 2 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [_LOCK_CLASS],
        )
        if not found:
            return "session unknown / 会话未知"
        pid, user, client, program, since = found[0]
        return f"server pid {pid}, user {user}, client {client}, {program or '?'}, since {since}"

    # ---- layout

    def relations(self) -> set[str]:
        return {
            name
            for (name,) in self.query(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        }

    def columns(self) -> dict[str, set[str]]:
        present: dict[str, set[str]] = {}
        for table, column in self.query(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        ):
            present.setdefault(table, set()).add(column)
        return present

    def close(self) -> None:
        self._con.close()


def _series(type_code: int, values: list[Any]) -> pd.Series:
    """A column of a metadata query in the dtype DuckDB's ``.df()`` gives it."""
    missing = any(v is None for v in values)
    if type_code in _INTS:
        return pd.Series(values, dtype="Int64" if missing else np.dtype(_INTS[type_code]))
    if type_code == _BOOL:
        return pd.Series(values, dtype="boolean" if missing else bool)
    if values and all(isinstance(v, str) or v is None for v in values):
        return pd.Series(values, dtype="str")
    return pd.Series(values, dtype=object if values else "str")


def _application_name() -> str:
    """Who this session is, as another analyst's refused import names it (≤ 63 bytes)."""
    argv = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))
    name = f"assess pid {os.getpid()}@{socket.gethostname()}: {argv}"
    return name.encode()[:63].decode(errors="ignore")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
