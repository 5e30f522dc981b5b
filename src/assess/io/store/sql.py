"""The layout of a store, the same on every backend: its tables, types, checks and helpers.

:func:`open_backend` opens a store file (DuckDB) or a server URL (PostgreSQL) and checks
that it is an `assess` store, creating the layout in an empty one; what the store keeps
in its tables is decided by the import, read and publishing modules.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
from pathlib import Path

import pyarrow as pa

from assess.core.errors import StoreError, bilingual
from assess.core.schema import TABLES
from assess.io.store.backend import URL_SCHEMES, Backend, is_url
from assess.io.store.duckdb_backend import DuckDBBackend
from assess.io.store.postgres_backend import PostgresBackend

__all__ = [
    "DEFAULT_STORE",
    "SCHEMA_VERSION",
    "SQL_TYPES",
    "ARROW_TYPES",
    "quote",
    "now",
    "assess_version",
    "open_backend",
    "location_label",
]

#: Where the store lives unless ``--store`` says otherwise (relative to the working folder).
DEFAULT_STORE = Path("data") / "assess.duckdb"
#: Version of the layout inside the file; a store written by a newer layout is refused.
SCHEMA_VERSION = 1

_FORMAT = "assess-store"

#: The SQL type of each column kind of the data contract (DuckDB and PostgreSQL alike).
SQL_TYPES = {
    "text": "VARCHAR",
    "choice": "VARCHAR",
    "month": "VARCHAR",
    "quarter": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE PRECISION",
    "bool": "BOOLEAN",
    "date": "DATE",
}
#: The Arrow type of each column kind, as the backends return and receive it.
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
    parquet BYTEA NOT NULL);
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


def location_label(location: str | os.PathLike[str]) -> str:
    """What messages call the store at ``location``: its path, or its URL without password."""
    if is_url(location):
        from assess.io.store.postgres_backend import redact

        return redact(str(location))
    return str(location)


def open_backend(
    location: str | os.PathLike[str], *, create: bool, read_only: bool
) -> tuple[Backend, Path | str]:
    """The store at ``location`` opened and checked as :meth:`Store.open` says, and its name.

    A ``postgresql://`` (or ``postgres://``) URL selects the PostgreSQL backend, anything
    else is the path of a DuckDB file.
    """
    backend: Backend
    if is_url(location):
        url = str(location)
        if not url.startswith(URL_SCHEMES):
            scheme = url.split("://", 1)[0]
            raise StoreError(
                bilingual(
                    f"不支持的数据库地址 {location_label(url)}（{scheme}://）；"
                    "请给出 DuckDB 文件路径或 postgresql://用户@主机:端口/数据库",
                    f"unsupported store URL {location_label(url)} ({scheme}://); give the "
                    "path of a DuckDB file or postgresql://user@host:port/database",
                )
            )
        backend = PostgresBackend.open(url, read_only=read_only)
        name: Path | str = backend.label
    else:
        path = Path(location)
        backend = DuckDBBackend.open(path, create=create, read_only=read_only)
        name = path
    try:
        _prepare(backend, create=create, writable=not read_only)
    except BaseException:
        backend.close()
        raise
    return backend, name


def _prepare(backend: Backend, *, create: bool, writable: bool) -> None:
    """Check that ``backend`` holds an `assess` store, creating one in an empty database."""
    server = isinstance(backend, PostgresBackend)
    existing = backend.relations()
    if not existing and server and not (writable and create):
        raise StoreError(
            bilingual(
                f"PostgreSQL 数据库 {backend.label} 中还没有 assess 数据；"
                "请先用 assess import 导入",
                f"PostgreSQL store {backend.label} holds no assess store yet; import data with "
                "assess import first",
            )
        )
    if not existing and writable:
        with backend.writing():
            if not backend.relations():  # another analyst may have just created it
                _create(backend)
            _sync_tables(backend)
        return
    meta = dict(backend.query("SELECT key, value FROM meta")) if "meta" in existing else {}
    if meta.get("format") != _FORMAT:
        raise StoreError(
            bilingual(
                f"PostgreSQL 数据库 {backend.label} 中已有其他表，但不是 assess 数据库；"
                "请换一个数据库或模式",
                f"PostgreSQL store {backend.label} holds other tables but not an assess store; "
                "choose another database or schema",
            )
            if server
            else bilingual(
                f"{backend.label} 是 DuckDB 数据库，但不是 assess 数据库；请换一个文件名",
                f"{backend.label} is a DuckDB database but not an assess store; "
                "choose another file",
            )
        )
    version = int(meta["schema_version"])
    if version > SCHEMA_VERSION:
        raise StoreError(
            bilingual(
                f"{backend.label} 由更新版本的 assess 写入（格式第 {version} 版），请升级 assess",
                f"{backend.label} was written by a newer assess (layout {version}); upgrade assess",
            )
        )
    if writable and _missing(backend.columns()):
        with backend.writing():
            _sync_tables(backend)


def _create(backend: Backend) -> None:
    backend.execute(_DDL)
    backend.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [
            ["format", _FORMAT],
            ["schema_version", str(SCHEMA_VERSION)],
            ["created_at", now()],
            ["created_by", f"assess {assess_version()}"],
        ],
    )


def _missing(present: dict[str, set[str]]) -> list[tuple[str, str | None]]:
    """``(table, None)`` for each data table absent, ``(table, column)`` for each column."""
    missing: list[tuple[str, str | None]] = []
    for table in TABLES.values():
        if table.name not in present:
            missing.append((table.name, None))
            continue
        missing += [(table.name, c) for c in table.column_names if c not in present[table.name]]
    return missing


def _sync_tables(backend: Backend) -> None:
    """Create the data tables the contract declares and add columns it gained since."""
    for name, column in _missing(backend.columns()):
        table = TABLES[name]
        if column is None:
            body = ", ".join(f"{quote(c.name)} {SQL_TYPES[c.kind]}" for c in table.columns)
            backend.execute(
                f"CREATE TABLE {quote(name)} ({body}, "
                "_partition VARCHAR NOT NULL, _import_id BIGINT NOT NULL)"
            )
        else:
            kind = table.column(column).kind
            backend.execute(
                f"ALTER TABLE {quote(name)} ADD COLUMN {quote(column)} {SQL_TYPES[kind]}"
            )
