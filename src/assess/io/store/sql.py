"""The DuckDB side of the store: opening a file, its layout, transactions and SQL helpers.

Everything here speaks to a :class:`duckdb.DuckDBPyConnection`; what the store keeps in
its tables is decided by the import, read and publishing modules.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from assess.core.errors import StoreError, bilingual
from assess.core.schema import TABLES

__all__ = [
    "DEFAULT_STORE",
    "SCHEMA_VERSION",
    "SQL_TYPES",
    "ARROW_TYPES",
    "quote",
    "now",
    "assess_version",
    "open_connection",
    "memory_limit",
    "transaction",
    "store_columns",
]

#: Where the store lives unless ``--store`` says otherwise (relative to the working folder).
DEFAULT_STORE = Path("data") / "assess.duckdb"
#: Version of the layout inside the file; a store written by a newer layout is refused.
SCHEMA_VERSION = 1

_FORMAT = "assess-store"

#: The DuckDB type of each column kind of the data contract.
SQL_TYPES = {
    "text": "VARCHAR",
    "choice": "VARCHAR",
    "month": "VARCHAR",
    "quarter": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
}
#: The Arrow type of each column kind, as DuckDB returns and receives it.
ARROW_TYPES = {
    "text": pa.string(),
    "choice": pa.string(),
    "month": pa.string(),
    "quarter": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}

_DDL = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE imports (
    import_id BIGINT PRIMARY KEY, imported_at VARCHAR NOT NULL, note VARCHAR NOT NULL,
    assess_version VARCHAR NOT NULL, "replace" BOOLEAN NOT NULL);
CREATE TABLE import_files (
    import_id BIGINT NOT NULL, label VARCHAR NOT NULL, path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL, size_bytes BIGINT NOT NULL);
CREATE TABLE import_actions (
    import_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, "partition" VARCHAR NOT NULL,
    action VARCHAR NOT NULL, n_rows BIGINT NOT NULL, revision INTEGER NOT NULL,
    previous_rows BIGINT, added BIGINT, removed BIGINT, changed BIGINT);
CREATE TABLE partition_revisions (
    table_name VARCHAR NOT NULL, "partition" VARCHAR NOT NULL, revision INTEGER NOT NULL,
    import_id BIGINT NOT NULL, sha256 VARCHAR NOT NULL, n_rows BIGINT NOT NULL,
    PRIMARY KEY (table_name, "partition", revision));
CREATE VIEW partitions AS
    SELECT r.table_name, r."partition", r.revision, r.import_id, r.sha256, r.n_rows,
           r.revision = max(r.revision) OVER (PARTITION BY r.table_name, r."partition")
               AS active,
           i.imported_at
    FROM partition_revisions AS r JOIN imports AS i USING (import_id);
CREATE TABLE publications (
    kind VARCHAR NOT NULL, quarter VARCHAR NOT NULL, revision INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL, params VARCHAR NOT NULL, published_at VARCHAR NOT NULL,
    assess_version VARCHAR NOT NULL, PRIMARY KEY (kind, quarter, revision));
CREATE TABLE publication_tables (
    kind VARCHAR NOT NULL, quarter VARCHAR NOT NULL, revision INTEGER NOT NULL,
    position INTEGER NOT NULL, table_name VARCHAR NOT NULL, n_rows BIGINT NOT NULL,
    parquet BLOB NOT NULL);
"""


def quote(name: str) -> str:
    """A quoted SQL identifier: contract columns include ``left``, ``key`` and ``date``."""
    return '"' + name.replace('"', '""') + '"'


def now() -> str:
    """The time (UTC, ISO 8601, seconds) recorded with imports and publications."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def assess_version() -> str:
    """The installed version of `assess`, recorded with what it writes."""
    return importlib.metadata.version("assess")


def open_connection(path: Path, *, create: bool, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to the store at ``path``, checked (and created) as :meth:`Store.open` says."""
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
    try:
        con = _connect(path, read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(
            bilingual(
                f"无法打开数据库文件 {path}（可能正被其他程序占用）：{exc}",
                f"cannot open store {path} (it may be in use by another program): {exc}",
            )
        ) from exc
    try:
        _prepare(con, path, writable=not read_only)
    except BaseException:
        con.close()
        raise
    return con


@contextlib.contextmanager
def memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
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


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Commit what the block does, or roll all of it back if the block raises."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def store_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The columns each table of the file has now, by table name."""
    present: dict[str, set[str]] = {}
    for table, column in con.sql(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal"
    ).fetchall():
        present.setdefault(table, set()).add(column)
    return present


def _is_duckdb_file(path: Path) -> bool:
    # DuckDB would open a CSV or Parquet file as a database of views on it; check the magic
    # bytes of its own format instead (bytes 8-11 of every DuckDB file).
    with path.open("rb") as handle:
        return handle.read(12)[8:] == b"DUCK"


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


def _prepare(con: duckdb.DuckDBPyConnection, path: Path, *, writable: bool) -> None:
    """Check that ``con`` is an `assess` store, creating one in an empty database."""
    existing = {
        name
        for (name,) in con.sql(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }
    if not existing and writable:
        with transaction(con):
            con.execute(_DDL)
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ["format", _FORMAT],
                    ["schema_version", str(SCHEMA_VERSION)],
                    ["created_at", now()],
                    ["created_by", f"assess {assess_version()}"],
                ],
            )
            _sync_tables(con)
        return
    meta = dict(con.sql("SELECT key, value FROM meta").fetchall()) if "meta" in existing else {}
    if meta.get("format") != _FORMAT:
        raise StoreError(
            bilingual(
                f"{path} 是 DuckDB 数据库，但不是 assess 数据库；请换一个文件名",
                f"{path} is a DuckDB database but not an assess store; choose another file",
            )
        )
    version = int(meta["schema_version"])
    if version > SCHEMA_VERSION:
        raise StoreError(
            bilingual(
                f"{path} 由更新版本的 assess 写入（格式第 {version} 版），请升级 assess",
                f"{path} was written by a newer assess (layout {version}); upgrade assess",
            )
        )
    if writable:
        with transaction(con):
            _sync_tables(con)


def _sync_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the data tables the contract declares and add columns it gained since."""
    present = store_columns(con)
    for table in TABLES.values():
        columns = [(c.name, SQL_TYPES[c.kind]) for c in table.columns]
        if table.name not in present:
            body = ", ".join(f"{quote(name)} {sql}" for name, sql in columns)
            con.execute(
                f"CREATE TABLE {quote(table.name)} ({body}, "
                "_partition VARCHAR NOT NULL, _import_id BIGINT NOT NULL)"
            )
            continue
        for name, sql in columns:
            if name not in present[table.name]:
                con.execute(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(name)} {sql}")
