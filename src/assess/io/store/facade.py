"""The embedded store: every imported quarter and every published result in one DuckDB file.

``assess import`` writes validated input tables here; notebooks, scoring and effect analysis
read them back with :func:`read_store` (all history, so 同比 needs no extra step); scoring
and effect analysis publish their results here with :meth:`Store.publish`.

Rules of the store
------------------
*Partitions.* A fact table (one with a period column: ``points``, ``events``, ``exposure``,
``kpis``, ``exam_responses``) is split into quarters by its period column: a quarter as
given, the quarter of a month, the quarter of a date. A register (``units``, ``staff``,
``exam_items``, ``projects``, ``milestones``, ``problems``, ``duties``, ``campaign``) is one
partition, named ``*``.

*Content hash.* Each (table, partition) gets a SHA-256 of its rows sorted by all columns
(key columns first), so the order of rows in a file does not matter, nor does an optional
column that is entirely empty.

*What an import does* with each partition present in the imported tables:

================================  ==========================================================
situation                         action
================================  ==========================================================
not yet in the store              ``added``
same hash as the active revision  ``unchanged``: nothing written
fact quarter, content changed     refused: :class:`~assess.core.errors.StoreConflictError` lists
                                  every such (table, quarter) with old and new row counts and
                                  *nothing* of the import is written; with ``replace=True``
                                  (``--replace``) a new revision becomes active: ``replaced``
register, content changed         a new revision becomes active without ``--replace``:
                                  ``revised``, reporting rows added, removed and changed by
                                  key (registers change every quarter: new members, closed
                                  problems)
================================  ==========================================================

A quarter is the unit of comparison: importing two months of a quarter and later the full
quarter changes that quarter, so the second import needs ``--replace``. The store does not
check the data contract; import what :func:`assess.io.validation.load_inputs` returns.

Partitions not in an import (quarters not provided, tables left empty) stay as they are;
nothing is ever deleted, and every earlier revision stays readable with
``read(import_id=...)``. An import is one transaction: all its tables or none. An import
in which every partition is unchanged writes nothing at all, so importing the same files
twice leaves the store exactly as it was. Each import that writes records its time (UTC),
note, `assess` version, the SHA-256 and size of its files, and the action taken for every
(table, partition).

*Published results* (scores, grades, effect estimates) are saved per ``(kind, quarter)`` as
revisions: publishing the identical result again is a no-op, a different result needs
``replace=True``, and earlier revisions stay readable.

Inside the file (for SQL users): one table per input table with the contract's columns
plus ``_partition`` and ``_import_id``; ``partitions`` (a view: one row per revision,
``active`` marks the one read by default), ``partition_revisions``, ``imports``,
``import_files``, ``import_actions``, ``publications``, ``publication_tables`` (each result
table stored as Parquet bytes) and ``meta`` (format and schema version). The active rows
of a table in SQL::

    SELECT d.* FROM points AS d JOIN partitions AS p
      ON p.table_name = 'points' AND p."partition" = d._partition
     AND p.import_id = d._import_id
    WHERE p.active

Examples
--------
>>> import tempfile
>>> from assess.core.dataset import Dataset
>>> path = Path(tempfile.mkdtemp()) / "assess.duckdb"
>>> units = pd.DataFrame({"unit_code": ["01", "0101"], "unit_name": ["省公司", "一支部"],
...                       "level": ["province", "branch"], "parent_code": [None, "01"]})
>>> with Store.open(path) as store:
...     first = store.import_dataset(Dataset(units=units))
...     again = store.import_dataset(Dataset(units=units))
>>> first.to_frame()[["table", "partition", "action", "rows"]]
   table partition action  rows
0  units         *  added     2
>>> again.import_id is None
True
>>> read_store(path, tables="units").units["unit_code"].tolist()
['01', '0101']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assess.core.dataset import Dataset
from assess.core.display import ResultDisplay
from assess.core.errors import InputError, ParameterError, StoreConflictError, StoreError, bilingual
from assess.core.periods import parse_quarter
from assess.core.schema import KIND_DTYPES, TABLES, Table

__all__ = ["DEFAULT_STORE", "SCHEMA_VERSION", "ACTIONS", "ImportSummary", "Store", "read_store"]

#: Where the store lives unless ``--store`` says otherwise (relative to the working folder).
DEFAULT_STORE = Path("data") / "assess.duckdb"
#: Version of the layout inside the file; a store written by a newer layout is refused.
SCHEMA_VERSION = 1
#: What an import can do with a (table, partition).
ACTIONS: tuple[str, ...] = ("added", "unchanged", "replaced", "revised")

_FORMAT = "assess-store"
_REGISTER = "*"  # the one partition of a register table
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_SQL_TYPES = {
    "text": "VARCHAR",
    "choice": "VARCHAR",
    "month": "VARCHAR",
    "quarter": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
}
_ARROW_TYPES = {
    "text": pa.string(),
    "choice": pa.string(),
    "month": pa.string(),
    "quarter": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}
_PANDAS_DTYPES = KIND_DTYPES
# SQL giving the quarter of a row from its period column, by the column's kind.
_PERIOD_SQL = {
    "quarter": "{c}",
    "month": "substr({c}, 1, 4) || 'Q' || CAST((TRY_CAST(substr({c}, 6, 2) AS INTEGER) + 2) "
    "// 3 AS VARCHAR)",
    "date": "strftime({c}, '%Y') || 'Q' || CAST(quarter({c}) AS VARCHAR)",
}
_QUARTER_TEXT = r"^\d{4}Q[1-4]$"
# Rows fetched from DuckDB at a time when reading a table.
_BATCH_ROWS = 1_000_000
# DuckDB's own memory while reading. By default it may take 80% of the RAM and keeps
# every block it has read cached: 3.5 GB for the points of a national store, on top of
# the frames being built. Within this limit it evicts the blocks it has scanned and sorts
# a large table on disk, next to the store (``<store>.tmp``).
_READ_MEMORY_LIMIT = "1GB"

_ACTION_COLUMNS = {
    "table": "str",
    "partition": "str",
    "action": "str",
    "rows": "Int64",
    "revision": "Int64",
    "previous_rows": "Int64",
    "added": "Int64",
    "removed": "Int64",
    "changed": "Int64",
    "sha256": "str",
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


def _q(name: str) -> str:
    """A quoted SQL identifier: contract columns include ``left``, ``key`` and ``date``."""
    return '"' + name.replace('"', '""') + '"'


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _version() -> str:
    return importlib.metadata.version("assess")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _table_label(name: str) -> str:
    return f"{name}（{TABLES[name].zh}）" if name in TABLES else name


# --------------------------------------------------------------------------- content hash


def _canonical(arr: pa.Array) -> tuple[str, pa.Array]:
    """The family of ``arr`` (named independently of Arrow's physical types) and its values.

    Text comes in several Arrow layouts (``string``, ``large_string``, views) depending on
    the library that produced it; all become ``large_string`` so the hash does not depend
    on them.
    """
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    kind = arr.type
    if pa.types.is_boolean(kind):
        return "bool", arr
    if pa.types.is_floating(kind):
        return "float", arr.cast(pa.float64())
    if pa.types.is_integer(kind):
        return "int", arr.cast(pa.int64())
    if pa.types.is_date32(kind):
        return "date", arr.cast(pa.int32()).cast(pa.int64())
    if pa.types.is_temporal(kind):
        return str(kind), arr.cast(pa.int64())
    return "text", arr.cast(pa.large_string())


def _digest_array(arr: pa.Array, h: Any) -> str:
    """Feed a canonical byte form of ``arr`` into ``h``; return its family.

    Canonical means independent of chunking, slicing and buffer layout: one byte per
    missing flag, then the lengths and UTF-8 bytes of text, or little-endian 64-bit numbers.
    """
    family, arr = _canonical(arr)
    h.update(np.asarray(arr.is_null(), dtype=np.uint8).tobytes())
    if family == "text":
        arr = arr.fill_null("")
        buffers = arr.buffers()
        offsets = np.frombuffer(buffers[1], dtype="<i8")[arr.offset : arr.offset + len(arr) + 1]
        h.update(np.diff(offsets).tobytes())
        if len(arr) and buffers[2] is not None:
            h.update(memoryview(buffers[2])[int(offsets[0]) : int(offsets[-1])])
    elif family == "bool":
        h.update(np.asarray(arr.fill_null(False), dtype=np.uint8).tobytes())
    elif family == "float":
        values = np.asarray(arr.fill_null(0.0), dtype="<f8") + 0.0  # -0.0 becomes 0.0
        values[np.isnan(values)] = np.nan  # one NaN bit pattern
        h.update(values.tobytes())
    else:
        h.update(np.asarray(arr.fill_null(0), dtype="<i8").tobytes())
    return family


def _digest_table(table: pa.Table, h: Any) -> None:
    """Feed every column of ``table`` that has a value into ``h``, each ending in its name."""
    h.update(f"rows={table.num_rows}\n".encode())
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if column.null_count == len(column) and len(column):
            continue  # an optional column left empty must not change the hash
        family = _digest_array(column, h)
        h.update(f"\n{name}:{family}\n".encode())


# --------------------------------------------------------------------------- import


def _to_arrow(table: Table, frame: pd.DataFrame) -> pa.Table:
    """The columns of ``table`` from ``frame`` in their storage types; absent ones empty."""
    arrays = []
    for col in table.columns:
        target = _ARROW_TYPES[col.kind]
        if col.name not in frame.columns:
            arrays.append(pa.nulls(len(frame), type=target))
            continue
        values = frame[col.name]
        if values.isna().all():  # an optional column left empty, whatever dtype it was read as
            arrays.append(pa.nulls(len(frame), type=target))
            continue
        try:
            if col.kind == "date" and pd.api.types.is_datetime64_any_dtype(values):
                if (values.dropna() != values.dropna().dt.normalize()).any():
                    raise ValueError("time of day in a date column")
                arrays.append(pa.array(values, from_pandas=True).cast(target))
            else:
                arrays.append(pa.array(values, type=target, from_pandas=True))
        except (pa.ArrowException, ValueError, TypeError) as exc:
            raise StoreError(
                bilingual(
                    f"表 {_table_label(table.name)} 的列 {col.name} 不是已校验的类型"
                    f"（应为 {_PANDAS_DTYPES[col.kind]}，实际为 {values.dtype}）：{exc}；"
                    "请先用 assess validate 读取并校验数据",
                    f"column {col.name} of table {table.name} is not of its validated type "
                    f"(expected {_PANDAS_DTYPES[col.kind]}, found {values.dtype}): {exc}; "
                    "read and validate the data with assess validate first",
                )
            ) from exc
    return pa.table(arrays, names=table.column_names)


@dataclass
class _TablePlan:
    """What an import will do with one table: its sorted rows and one action per partition."""

    table: Table
    view: str  # name under which ``rows`` is registered in DuckDB
    rows: pa.Table  # sorted by partition then every column, with ``_partition``
    actions: list[dict[str, Any]]


def _sort_partitioned(con: duckdb.DuckDBPyConnection, table: Table, data: pa.Table) -> pa.Table:
    """``data`` with its quarter in ``_partition``, sorted by partition, key, other columns."""
    period = (
        "'*'"
        if table.period is None
        else _PERIOD_SQL[table.column(table.period).kind].format(c=_q(table.period))
    )
    order = list(table.key) + [c for c in table.column_names if c not in table.key]
    view = f"_incoming_{table.name}"
    con.register(view, data)
    try:
        rows = con.sql(
            f"SELECT *, {period} AS _partition FROM {view} "
            # spelled out: the content hash depends on this order (byte order of text, the
            # default collation of a fresh connection)
            f"ORDER BY _partition, {', '.join(f'{_q(c)} ASC NULLS LAST' for c in order)}"
        ).to_arrow_table()
    finally:
        con.unregister(view)
    if table.period is not None:
        bad = pc.invert(
            pc.fill_null(pc.match_substring_regex(rows["_partition"], _QUARTER_TEXT), False)
        )
        n_bad = pc.sum(bad).as_py() or 0
        if n_bad:
            examples = rows.filter(bad)[table.period][:3].to_pylist()
            raise StoreError(
                bilingual(
                    f"表 {_table_label(table.name)} 有 {n_bad:,} 行的 {table.period} 无法确定季度"
                    f"（如 {examples}）；请先用 assess validate 校验数据",
                    f"{n_bad:,} rows of table {table.name} have a {table.period} that gives no "
                    f"quarter (e.g. {examples}); validate the data with assess validate first",
                )
            )
    return rows


def _split(rows: pa.Table) -> list[tuple[str, pa.Table]]:
    """``(partition, rows of that partition)`` for a table sorted by ``_partition``."""
    if rows.num_rows == 0:
        return []
    runs = pc.run_end_encode(rows["_partition"].combine_chunks())
    ends = runs.run_ends.to_pylist()
    starts = [0, *ends[:-1]]
    data = rows.drop_columns(["_partition"])
    return [
        (part, data.slice(start, end - start))
        for part, start, end in zip(runs.values.to_pylist(), starts, ends, strict=True)
    ]


def _partition_sha256(rows: pa.Table) -> str:
    h = hashlib.sha256()
    _digest_table(rows, h)
    return h.hexdigest()


def _diff_counts(
    con: duckdb.DuckDBPyConnection, plan: _TablePlan, partition: str, old_import_id: int
) -> tuple[int, int, int]:
    """Rows added, removed and changed (same key, other values differ) against the old revision."""
    table = plan.table
    cols = ", ".join(_q(c) for c in table.column_names)
    on = " AND ".join(f"n.{_q(k)} IS NOT DISTINCT FROM o.{_q(k)}" for k in table.key)
    others = [c for c in table.column_names if c not in table.key]
    differs = " OR ".join(f"n.{_q(c)} IS DISTINCT FROM o.{_q(c)}" for c in others) or "false"
    added, removed, changed = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE o._old IS NULL),
               count(*) FILTER (WHERE n._new IS NULL),
               count(*) FILTER (WHERE n._new AND o._old AND ({differs}))
        FROM (SELECT {cols}, true AS _new FROM {plan.view} WHERE _partition = $part) AS n
        FULL OUTER JOIN (
            SELECT {cols}, true AS _old FROM {_q(table.name)}
            WHERE _partition = $part AND _import_id = $old) AS o
        ON {on}
        """,
        {"part": partition, "old": old_import_id},
    ).fetchall()[0]
    return int(added), int(removed), int(changed)


def _plan_table(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame) -> _TablePlan:
    """Sort, split and hash one table and decide the action for each of its partitions.

    Registers the sorted rows in DuckDB under ``plan.view``; the caller unregisters it.
    """
    rows = _sort_partitioned(con, table, _to_arrow(table, frame))
    plan = _TablePlan(table, f"_new_{table.name}", rows, [])
    con.register(plan.view, rows)
    try:
        _decide(con, plan)
    except BaseException:
        con.unregister(plan.view)
        raise
    return plan


def _decide(con: duckdb.DuckDBPyConnection, plan: _TablePlan) -> None:
    """Hash each partition of ``plan`` and append the action the rules give for it."""
    table = plan.table
    active = {
        part: (rev, import_id, sha, n)
        for part, rev, import_id, sha, n in con.sql(
            'SELECT "partition", revision, import_id, sha256, n_rows FROM partitions '
            "WHERE active AND table_name = ?",
            params=[table.name],
        ).fetchall()
    }
    for part, data in _split(plan.rows):
        sha = _partition_sha256(data)
        action: dict[str, Any] = {
            "table": table.name,
            "partition": part,
            "rows": data.num_rows,
            "sha256": sha,
            "previous_rows": None,
            "added": None,
            "removed": None,
            "changed": None,
        }
        if part not in active:
            action.update(action="added", revision=1)
        elif active[part][2] == sha:
            action.update(action="unchanged", revision=active[part][0])
        else:
            revision, old_import, _, old_rows = active[part]
            added, removed, changed = _diff_counts(con, plan, part, old_import)
            action.update(
                action="revised" if table.period is None else "replaced",
                revision=revision + 1,
                previous_rows=old_rows,
                added=added,
                removed=removed,
                changed=changed,
            )
        plan.actions.append(action)


def _write_table(con: duckdb.DuckDBPyConnection, plan: _TablePlan, import_id: int) -> None:
    """Insert the new partitions of one table and their revisions (inside the transaction)."""
    written = [a for a in plan.actions if a["action"] != "unchanged"]
    if not written:
        return
    cols = ", ".join(_q(c) for c in plan.table.column_names)
    con.execute(
        f"INSERT INTO {_q(plan.table.name)} ({cols}, _partition, _import_id) "
        f"SELECT {cols}, _partition, ? FROM {plan.view} WHERE list_contains(?, _partition)",
        [import_id, [a["partition"] for a in written]],
    )
    con.executemany(
        "INSERT INTO partition_revisions VALUES (?, ?, ?, ?, ?, ?)",
        [
            [a["table"], a["partition"], a["revision"], import_id, a["sha256"], a["rows"]]
            for a in written
        ],
    )


def _record_import(
    con: duckdb.DuckDBPyConnection,
    plans: list[_TablePlan],
    actions: list[dict[str, Any]],
    file_rows: list[tuple[str, str, str, int]],
    *,
    replace: bool,
    note: str,
) -> int:
    """Write an import, its files, its partitions and its actions; return its id."""
    last = con.execute("SELECT max(import_id) FROM imports").fetchall()[0][0]
    import_id = int(last or 0) + 1
    con.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?)",
        [import_id, _now(), note, _version(), replace],
    )
    if file_rows:
        con.executemany(
            "INSERT INTO import_files VALUES (?, ?, ?, ?, ?)",
            [[import_id, *row] for row in file_rows],
        )
    for plan in plans:
        _write_table(con, plan, import_id)
    con.executemany(
        "INSERT INTO import_actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                import_id,
                a["table"],
                a["partition"],
                a["action"],
                a["rows"],
                a["revision"],
                a["previous_rows"],
                a["added"],
                a["removed"],
                a["changed"],
            ]
            for a in actions
        ],
    )
    return import_id


def _file_rows(files: Mapping[str, Path | str]) -> list[tuple[str, str, str, int]]:
    """``(label, absolute path, SHA-256, size in bytes)`` of each input file."""
    rows = []
    digests: dict[Path, str] = {}  # the sheets of one workbook share a file: hash it once
    for label, name in files.items():
        path = Path(name)
        if not path.is_file():
            raise InputError(bilingual(f"找不到输入文件 {path}", f"input file {path} not found"))
        path = path.resolve()
        if path not in digests:
            with path.open("rb") as handle:
                digests[path] = hashlib.file_digest(handle, "sha256").hexdigest()
        rows.append((str(label), str(path), digests[path], path.stat().st_size))
    return rows


def _conflict_message(store: Path, conflicts: list[dict[str, Any]]) -> str:
    lines = [
        bilingual(
            f"数据库 {store} 中以下季度数据已导入且内容不同，本次导入未写入任何数据：",
            f"store {store} already holds different data for these quarters; "
            "nothing of this import was written:",
        )
    ]
    for c in conflicts:
        lines.append(
            "  "
            + bilingual(
                f"{_table_label(c['table'])} {c['partition']}："
                f"库中 {c['previous_rows']:,} 行，新数据 {c['rows']:,} 行",
                f"{c['table']} {c['partition']}: {c['previous_rows']:,} rows in the store, "
                f"{c['rows']:,} rows new",
            )
        )
    lines.append(
        bilingual(
            "确认要替换时，请加 --replace（或 replace=True）重新导入；旧版本仍可读取。",
            "to replace them, import again with --replace (or replace=True); "
            "the previous revision stays readable.",
        )
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class ImportSummary(ResultDisplay):
    """What one import did, partition by partition.

    Attributes
    ----------
    store : str
        Path of the store file.
    import_id : int or None
        Id of the import recorded, or ``None`` when every partition was unchanged and
        nothing was written.
    actions : pandas.DataFrame
        One row per (table, partition) in the import: ``table``, ``partition`` (quarter
        ``"2026Q3"``, or ``"*"`` for a register), ``action`` (one of :data:`ACTIONS`),
        ``rows`` (rows in the import), ``revision`` (revision now active), and for
        ``replaced``/``revised``: ``previous_rows`` and rows ``added``, ``removed`` and
        ``changed`` by key; ``sha256`` of the content.
    files : pandas.DataFrame
        The files recorded: ``label``, ``path``, ``sha256``, ``size_bytes``.
    """

    store: str
    import_id: int | None
    actions: pd.DataFrame
    files: pd.DataFrame

    _title = "导入结果 / Import summary"

    @property
    def written(self) -> bool:
        """Whether the import wrote anything."""
        return self.import_id is not None

    def to_frame(self) -> pd.DataFrame:
        """The actions, one row per (table, partition)."""
        return self.actions.copy()

    def summary(self) -> str:
        """What happened, in Chinese then English."""
        acts = self.actions
        n = {a: int((acts["action"] == a).sum()) for a in ACTIONS}
        new_rows = int(acts.loc[acts["action"] == "added", "rows"].sum())
        if acts.empty:
            return "数据集为空，未写入任何数据。\nThe dataset is empty; nothing written."
        if not self.written:
            return "\n".join(
                [
                    f"与数据库 {self.store} 中的内容完全相同，未写入任何数据"
                    f"（{n['unchanged']} 个分区未变）。",
                    f"Identical to store {self.store}; nothing written "
                    f"({n['unchanged']} partitions unchanged).",
                ]
            )
        counts = [  # (count, Chinese, English), only the non-zero ones are told
            (
                n["added"],
                f"新增 {n['added']} 个分区（{new_rows:,} 行）",
                f"{_plural(n['added'], 'partition')} added ({new_rows:,} rows)",
            ),
            (
                n["replaced"],
                f"替换 {n['replaced']} 个季度分区",
                f"{_plural(n['replaced'], 'quarter')} replaced",
            ),
            (
                n["revised"],
                f"修订 {n['revised']} 个登记表",
                f"{_plural(n['revised'], 'register')} revised",
            ),
            (n["unchanged"], f"{n['unchanged']} 个分区未变", f"{n['unchanged']} unchanged"),
            (
                len(self.files),
                f"记录文件 {len(self.files)} 个",
                f"{_plural(len(self.files), 'file')} recorded",
            ),
        ]
        told = [c for c in counts if c[0]]
        zh = [f"导入 #{self.import_id} 已写入 {self.store}：{'，'.join(c[1] for c in told)}。"]
        en = [f"Import #{self.import_id} written to {self.store}: {', '.join(c[2] for c in told)}."]
        for row in acts[acts["action"].isin(["replaced", "revised"])].itertuples():
            where = "" if row.partition == _REGISTER else f" {row.partition}"
            zh.append(
                f"  {_table_label(str(row.table))}{where}：{row.previous_rows:,} 行 → "
                f"{row.rows:,} 行（新增 {row.added:,}、删除 {row.removed:,}、"
                f"修改 {row.changed:,} 行），第 {row.revision} 版"
            )
            en.append(
                f"  {row.table}{where}: {row.previous_rows:,} → {row.rows:,} rows "
                f"({row.added:,} added, {row.removed:,} removed, {row.changed:,} changed), "
                f"revision {row.revision}"
            )
        return "\n".join(zh + [""] + en)


# --------------------------------------------------------------------------- the store


class Store:
    """An open `assess` store; use :meth:`Store.open`, ideally in a ``with`` block.

    The methods below import validated data, read it back, publish results and list what
    the store holds. See the module documentation for the rules of imports.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only

    # ---- opening and closing

    @classmethod
    def open(
        cls, path: str | Path = DEFAULT_STORE, *, create: bool = True, read_only: bool = False
    ) -> Store:
        """Open the store at ``path``, creating it (and its folder) if needed.

        Parameters
        ----------
        path : str or Path, default :data:`DEFAULT_STORE`
            The DuckDB file.
        create : bool, default True
            Create a new store when ``path`` does not exist (ignored when ``read_only``).
        read_only : bool, default False
            Open for reading only; other programs may then read the file at the same time.

        Returns
        -------
        Store

        Raises
        ------
        StoreError
            The file is missing (and cannot be created), is not a DuckDB database, is a
            DuckDB database that is not an `assess` store, was written by a newer `assess`,
            or is locked by another program.
        """
        path = Path(path)
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
        return cls(con, path, read_only=read_only)

    def close(self) -> None:
        """Close the file; the store cannot be used afterwards."""
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = ", read_only=True" if self.read_only else ""
        return f"Store({str(self.path)!r}{mode})"

    def _require_writable(self, func: str) -> None:
        if self.read_only:
            raise StoreError(
                bilingual(
                    f"{func}：数据库 {self.path} 以只读方式打开，不能写入",
                    f"{func}: store {self.path} was opened read-only",
                )
            )

    # ---- import

    def import_dataset(
        self,
        dataset: Dataset,
        *,
        files: Mapping[str, Path | str] | None = None,
        replace: bool = False,
        note: str = "",
    ) -> ImportSummary:
        """Import validated tables, all or nothing, following the rules of the store.

        Parameters
        ----------
        dataset : Dataset
            Validated tables with the dtypes documented in :class:`assess.core.dataset.Dataset`.
            Empty tables are not touched.
        files : mapping of str to path, optional
            The input files to record, e.g. table name → CSV file; their SHA-256 and size
            are stored with the import.
        replace : bool, default False
            Replace fact quarters whose content differs from the store (``--replace``).
        note : str, default ""
            Free text kept with the import, e.g. who sent the files.

        Returns
        -------
        ImportSummary
            The action taken for every (table, partition); ``import_id`` is ``None`` when
            nothing changed and nothing was written.

        Raises
        ------
        StoreConflictError
            A fact quarter already in the store has different content and ``replace`` is
            False; the message lists every such quarter and nothing is written.
        StoreError
            A column does not have its validated type, or a period gives no quarter.
        InputError
            A file in ``files`` does not exist.
        """
        self._require_writable("Store.import_dataset")
        if not isinstance(dataset, Dataset):
            raise ParameterError(
                "Store.import_dataset", "dataset", "an assess.core.dataset.Dataset", type(dataset)
            )
        con = self._con
        plans: list[_TablePlan] = []
        import_id: int | None = None
        file_rows: list[tuple[str, str, str, int]] = []
        # One transaction from planning to writing: the actions are decided on the same
        # state they are written to, and a failure anywhere leaves the store as it was.
        con.begin()
        try:
            for name, table_rows in dataset.items():
                if len(table_rows):
                    plans.append(_plan_table(con, TABLES[name], table_rows))
            actions = [a for plan in plans for a in plan.actions]
            conflicts = [a for a in actions if a["action"] == "replaced"]
            if conflicts and not replace:
                raise StoreConflictError(_conflict_message(self.path, conflicts))
            if any(a["action"] != "unchanged" for a in actions):
                file_rows = _file_rows(files or {})
                import_id = _record_import(
                    con, plans, actions, file_rows, replace=replace, note=note
                )
        except BaseException:
            con.rollback()
            raise
        else:
            if import_id is None:
                con.rollback()
            else:
                con.commit()
        finally:
            for plan in plans:
                con.unregister(plan.view)
        done = pd.DataFrame(actions, columns=list(_ACTION_COLUMNS)).astype(_ACTION_COLUMNS)
        return ImportSummary(str(self.path), import_id, done, _files_frame(file_rows))

    # ---- reading

    def read(
        self,
        tables: str | Iterable[str] | None = None,
        *,
        import_id: int | None = None,
        quarters: Iterable[str] | None = None,
        categorical: Mapping[str, Iterable[str]] | None = None,
        columns: Mapping[str, Iterable[str]] | None = None,
    ) -> Dataset:
        """The tables as stored: every quarter's active revision, all history.

        Parameters
        ----------
        tables : str or iterable of str, optional
            Table names to read (default: all); the others are left empty.
        import_id : int, optional
            Read the store as it was right after this import (earlier revisions of
            replaced or revised partitions); default: as it is now.
        quarters : iterable of str, optional
            Read only these quarters of the fact tables (registers are read whole), to keep
            memory small at national size; default: every quarter.
        categorical : mapping of str to iterable of str, optional
            Text columns to read as pandas categoricals (sorted categories), per table,
            e.g. ``{"points": ["person_id", "quarter", "indicator"]}``: a code of 1–4
            bytes a row instead of a string, for columns that repeat a few values many
            times (27 million point rows of a national store hold 1.6 million person ids).
            Default: none, every text column is ``str``.
        columns : mapping of str to iterable of str, optional
            Columns to read, per table, e.g. ``{"points": ["person_id", "quarter",
            "indicator", "value"]}``; the other columns of that table come back empty
            (missing values), so every frame keeps the contract's columns. Default: all.

        Returns
        -------
        Dataset
            Frames with the dtypes of a validated input (except the ``categorical``
            columns), rows ordered by table key.

        Notes
        -----
        DuckDB itself takes at most 1 GB while reading; it sorts a larger table on disk,
        in ``<store>.tmp`` next to the store file.
        """
        names = _check_tables("Store.read", tables)
        as_of = self._check_import_id("Store.read", import_id)
        as_category = _check_categorical("Store.read", categorical, names)
        chosen = _check_columns("Store.read", columns, names)
        present = _store_columns(self._con)
        wanted = None if quarters is None else sorted({str(q) for q in quarters})
        with _memory_limit(self._con, _READ_MEMORY_LIMIT):
            frames = {
                name: self._read_table(
                    TABLES[name],
                    as_of,
                    present.get(name, set()),
                    wanted,
                    as_category.get(name, ()),
                    chosen.get(name),
                )
                for name in names
            }
        return Dataset(**frames, sources={name: str(self.path) for name in names})

    def _check_import_id(self, func: str, import_id: int | None) -> int:
        ids = [int(i) for (i,) in self._con.sql("SELECT import_id FROM imports").fetchall()]
        if import_id is None:
            return max(ids, default=0)
        if isinstance(import_id, bool) or import_id not in ids:
            accepted = (
                f"an import id of this store ({', '.join(map(str, sorted(ids)))})"
                if ids
                else "None (the store holds no import yet)"
            )
            raise ParameterError(func, "import_id", accepted, import_id)
        return int(import_id)

    def _read_table(
        self,
        table: Table,
        as_of: int,
        present: set[str],
        quarters: list[str] | None = None,
        categorical: tuple[str, ...] = (),
        columns: set[str] | None = None,
    ) -> pd.DataFrame:
        read = present if columns is None else present & columns
        select = ", ".join(
            f"d.{_q(c.name)}" if c.name in read else f"NULL::{_SQL_TYPES[c.kind]} {_q(c.name)}"
            for c in table.columns
        )
        if present:
            only = quarters if (quarters is not None and table.period) else None
            in_quarters = 'AND "partition" IN (SELECT unnest(?::VARCHAR[]))' if only else ""
            reader = self._con.sql(
                f"""
                SELECT {select} FROM {_q(table.name)} AS d
                JOIN (SELECT "partition", max(import_id) AS import_id FROM partition_revisions
                      WHERE table_name = ? AND import_id <= ? {in_quarters}
                      GROUP BY "partition") AS p
                  ON d._partition = p."partition" AND d._import_id = p.import_id
                ORDER BY {", ".join(f"d.{_q(k)}" for k in table.key)}
                """,
                params=[table.name, as_of, *([only] if only else [])],
            ).to_arrow_reader(_BATCH_ROWS)
            # Batch by batch, so that a categorical column never exists as strings in full.
            batches = [_encode(batch, categorical) for batch in reader]
            empty = pa.RecordBatch.from_pylist([], schema=reader.schema)
            schema = _encode(empty, categorical).schema
            rows = pa.Table.from_batches(batches, schema=schema).unify_dictionaries()
            del batches
        else:  # a table the contract gained after this read-only store was written
            rows = pa.table(
                [pa.array([], type=_ARROW_TYPES[c.kind]) for c in table.columns],
                names=table.column_names,
            )
        return _to_pandas(table, rows, categorical)

    def partitions(self) -> pd.DataFrame:
        """Every revision of every (table, partition).

        Columns: ``table_name``, ``partition``, ``revision``, ``import_id``, ``sha256``,
        ``n_rows``, ``active`` (the revision read by default), ``imported_at`` (UTC).
        """
        return self._con.sql(
            'SELECT * FROM partitions ORDER BY table_name, "partition", revision'
        ).df()

    def imports(self) -> pd.DataFrame:
        """One row per import that wrote data.

        Columns: ``import_id``, ``imported_at`` (UTC, ISO 8601), ``note``,
        ``assess_version``, ``replace``, the number of partitions ``added``, ``replaced``,
        ``revised`` and ``unchanged``, and ``rows_written``.
        """
        return self._con.sql(
            """
            SELECT i.*,
                   count(*) FILTER (WHERE a.action = 'added') AS added,
                   count(*) FILTER (WHERE a.action = 'replaced') AS replaced,
                   count(*) FILTER (WHERE a.action = 'revised') AS revised,
                   count(*) FILTER (WHERE a.action = 'unchanged') AS unchanged,
                   coalesce(sum(a.n_rows) FILTER (WHERE a.action <> 'unchanged'), 0)
                       AS rows_written
            FROM imports AS i LEFT JOIN import_actions AS a USING (import_id)
            GROUP BY ALL ORDER BY i.import_id
            """
        ).df()

    def import_files(self) -> pd.DataFrame:
        """The files of every import: ``import_id``, ``label``, ``path``, ``sha256``,
        ``size_bytes``."""
        return self._con.sql("SELECT * FROM import_files ORDER BY import_id, label").df()

    def import_actions(self) -> pd.DataFrame:
        """The action taken for every (table, partition) of every import.

        Columns as :attr:`ImportSummary.actions` (``table_name`` for ``table``, ``n_rows``
        for ``rows``) plus ``import_id``.
        """
        return self._con.sql(
            'SELECT * FROM import_actions ORDER BY import_id, table_name, "partition"'
        ).df()

    def content_sha256(self, tables: str | Iterable[str] | None = None) -> str:
        """A fingerprint of what :meth:`read` returns now: SHA-256 of the active partitions.

        Parameters
        ----------
        tables : str or iterable of str, optional
            Restrict to these tables, e.g. the inputs of one report.

        Returns
        -------
        str
            Hex digest; it changes exactly when an import adds, replaces or revises a
            partition of these tables.
        """
        names = set(_check_tables("Store.content_sha256", tables))
        h = hashlib.sha256()
        for table, part, sha in self._con.sql(
            'SELECT table_name, "partition", sha256 FROM partitions WHERE active '
            'ORDER BY table_name, "partition"'
        ).fetchall():
            if table in names:
                h.update(f"{table}\t{part}\t{sha}\n".encode())
        return h.hexdigest()

    # ---- published results

    def publish(
        self,
        kind: str,
        quarter: str,
        tables: Mapping[str, pd.DataFrame],
        *,
        params: Mapping[str, Any],
        replace: bool = False,
    ) -> int:
        """Save a result set (e.g. kind ``"appraisal"``: members, branches, grades) for a quarter.

        Parameters
        ----------
        kind : str
            What the result is, a valid identifier such as ``"appraisal"`` or ``"effect"``.
        quarter : str
            The quarter it is for, in any form :func:`assess.core.periods.parse_quarter` reads.
        tables : mapping of str to DataFrame
            The result tables by name (valid identifiers); dtypes and index are kept.
        params : mapping
            What produced them (scheme, weights, input fingerprint, ...); JSON-serialisable.
            Part of the result: the same tables under other params are a different result.
        replace : bool, default False
            Publish even though a different result exists for ``kind`` and ``quarter``.

        Returns
        -------
        int
            The revision now active for ``(kind, quarter)``; the existing one when the
            identical result was published before.

        Raises
        ------
        StoreConflictError
            A different result exists and ``replace`` is False; nothing is written.
        ParameterError
            A bad ``kind``, ``quarter``, table name, table or ``params``.

        Examples
        --------
        >>> import tempfile
        >>> grades = pd.DataFrame({"person_id": ["00123"], "grade": ["A"]})
        >>> with Store.open(Path(tempfile.mkdtemp()) / "s.duckdb") as store:
        ...     first = store.publish("appraisal", "2026Q3", {"grades": grades}, params={})
        ...     again = store.publish("appraisal", "2026年第3季度", {"grades": grades}, params={})
        ...     back = store.published("appraisal", "2026Q3")["grades"]
        >>> first, again, back["grade"].tolist()
        (1, 1, ['A'])
        """
        self._require_writable("Store.publish")
        kind, quarter = _check_kind(kind), _check_quarter("Store.publish", quarter)
        if not isinstance(tables, Mapping) or not tables:
            raise ParameterError(
                "Store.publish", "tables", "a non-empty mapping of name to DataFrame", tables
            )
        text = _params_json(params)
        h = hashlib.sha256(f"params={text}\n".encode())
        blobs = []
        for name, frame in tables.items():
            if not isinstance(name, str) or not _NAME.match(name):
                raise ParameterError(
                    "Store.publish", "tables", "names that are valid identifiers", name
                )
            blobs.append((name, len(frame), _frame_parquet(name, frame, h)))
        sha = h.hexdigest()
        found = self._con.execute(
            "SELECT revision, sha256, published_at FROM publications "
            "WHERE kind = ? AND quarter = ? ORDER BY revision DESC LIMIT 1",
            [kind, quarter],
        ).fetchall()
        last = found[0] if found else None
        if last is not None and last[1] == sha:
            return int(last[0])
        if last is not None and not replace:
            raise StoreConflictError(
                bilingual(
                    f"数据库 {self.path} 已有 {kind} {quarter} 的另一发布结果（第 {last[0]} 版，"
                    f"{last[2]}），未写入；确认要替换时请用 replace=True，旧版本仍可读取",
                    f"store {self.path} already holds a different {kind} result for {quarter} "
                    f"(revision {last[0]}, {last[2]}); nothing written. Pass replace=True to "
                    "publish a new revision; the previous one stays readable",
                )
            )
        revision = 1 if last is None else int(last[0]) + 1
        with _transaction(self._con) as con:
            con.execute(
                "INSERT INTO publications VALUES (?, ?, ?, ?, ?, ?, ?)",
                [kind, quarter, revision, sha, text, _now(), _version()],
            )
            con.executemany(
                "INSERT INTO publication_tables VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    [kind, quarter, revision, pos, name, n, blob]
                    for pos, (name, n, blob) in enumerate(blobs)
                ],
            )
        return revision

    def published(
        self, kind: str, quarter: str, *, revision: int | None = None
    ) -> dict[str, pd.DataFrame]:
        """The tables of a published result, in the order they were published.

        Parameters
        ----------
        kind, quarter : str
            As given to :meth:`publish`.
        revision : int, optional
            Which revision; default the latest (active) one.

        Returns
        -------
        dict of str to DataFrame

        Raises
        ------
        StoreError
            Nothing was published for ``kind`` and ``quarter`` (or not that revision).
        """
        kind = _check_kind(kind, func="Store.published")
        quarter = _check_quarter("Store.published", quarter)
        if revision is None:
            revision = self._con.execute(
                "SELECT max(revision) FROM publications WHERE kind = ? AND quarter = ?",
                [kind, quarter],
            ).fetchall()[0][0]
        rows = (
            []
            if revision is None
            else self._con.sql(
                "SELECT table_name, parquet FROM publication_tables "
                "WHERE kind = ? AND quarter = ? AND revision = ? ORDER BY position",
                params=[kind, quarter, revision],
            ).fetchall()
        )
        if not rows:
            which = "" if revision is None else f"（第 {revision} 版）"
            which_en = "" if revision is None else f" (revision {revision})"
            raise StoreError(
                bilingual(
                    f"数据库 {self.path} 中没有 {kind} {quarter} 的发布结果{which}",
                    f"store {self.path} holds no {kind} result for {quarter}{which_en}",
                )
            )
        return {name: pd.read_parquet(io.BytesIO(blob)) for name, blob in rows}

    def publications(self) -> pd.DataFrame:
        """Every published revision.

        Columns: ``kind``, ``quarter``, ``revision``, ``active`` (the latest), ``tables``
        (names, comma-separated), ``n_rows`` (total), ``sha256``, ``params`` (JSON),
        ``published_at`` (UTC), ``assess_version``.
        """
        return self._con.sql(
            """
            WITH t AS (
                SELECT kind, quarter, revision,
                       string_agg(table_name, ',' ORDER BY position) AS tables,
                       sum(n_rows)::BIGINT AS n_rows
                FROM publication_tables GROUP BY kind, quarter, revision)
            SELECT p.kind, p.quarter, p.revision,
                   p.revision = max(p.revision) OVER (PARTITION BY p.kind, p.quarter) AS active,
                   t.tables, t.n_rows, p.sha256, p.params, p.published_at, p.assess_version
            FROM publications AS p JOIN t USING (kind, quarter, revision)
            ORDER BY p.kind, p.quarter, p.revision
            """
        ).df()


def read_store(
    path: str | Path = DEFAULT_STORE,
    tables: str | Iterable[str] | None = None,
    *,
    import_id: int | None = None,
    quarters: Iterable[str] | None = None,
    categorical: Mapping[str, Iterable[str]] | None = None,
    columns: Mapping[str, Iterable[str]] | None = None,
) -> Dataset:
    """Read the store in one call: the notebook way to get every table with all history.

    Opens ``path`` read-only, reads, and closes it again, so imports are not blocked.

    Parameters
    ----------
    path : str or Path, default :data:`DEFAULT_STORE`
        The store file.
    tables : str or iterable of str, optional
        Table names (default all).
    import_id : int, optional
        Read the store as it was right after this import.
    quarters : iterable of str, optional
        Only these quarters of the fact tables (see :meth:`Store.read`).
    categorical : mapping of str to iterable of str, optional
        Text columns to read as pandas categoricals, per table (see :meth:`Store.read`).
    columns : mapping of str to iterable of str, optional
        Columns to read, per table; the others come back empty (see :meth:`Store.read`).

    Returns
    -------
    Dataset
        See :meth:`Store.read`.
    """
    with Store.open(path, read_only=True) as store:
        return store.read(
            tables,
            import_id=import_id,
            quarters=quarters,
            categorical=categorical,
            columns=columns,
        )


# --------------------------------------------------------------------------- helpers


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


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Commit what the block does, or roll all of it back if the block raises."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


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
        with _transaction(con):
            con.execute(_DDL)
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ["format", _FORMAT],
                    ["schema_version", str(SCHEMA_VERSION)],
                    ["created_at", _now()],
                    ["created_by", f"assess {_version()}"],
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
        with _transaction(con):
            _sync_tables(con)


def _store_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    present: dict[str, set[str]] = {}
    for table, column in con.sql(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal"
    ).fetchall():
        present.setdefault(table, set()).add(column)
    return present


def _sync_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the data tables the contract declares and add columns it gained since."""
    present = _store_columns(con)
    for table in TABLES.values():
        columns = [(c.name, _SQL_TYPES[c.kind]) for c in table.columns]
        if table.name not in present:
            body = ", ".join(f"{_q(name)} {sql}" for name, sql in columns)
            con.execute(
                f"CREATE TABLE {_q(table.name)} ({body}, "
                "_partition VARCHAR NOT NULL, _import_id BIGINT NOT NULL)"
            )
            continue
        for name, sql in columns:
            if name not in present[table.name]:
                con.execute(f"ALTER TABLE {_q(table.name)} ADD COLUMN {_q(name)} {sql}")


def _encode(batch: pa.RecordBatch, categorical: tuple[str, ...]) -> pa.RecordBatch:
    """``batch`` in memory of its own, the ``categorical`` columns dictionary-encoded.

    A column sliced from a batch DuckDB exported would keep the whole batch alive, the
    strings of the encoded columns too (1.7 GB for the points of a national store).
    """
    columns = [
        pc.dictionary_encode(batch.column(name))
        if name in categorical
        else pa.concat_arrays([batch.column(name)])  # a copy
        for name in batch.schema.names
    ]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _to_pandas(table: Table, rows: pa.Table, categorical: tuple[str, ...] = ()) -> pd.DataFrame:
    mapper = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
    # self_destruct frees each Arrow column once converted: no second full copy of a table.
    frame = rows.to_pandas(
        types_mapper=mapper, date_as_object=False, self_destruct=True, split_blocks=True
    )
    frame = frame.astype(
        {c.name: _PANDAS_DTYPES[c.kind] for c in table.columns if c.name not in categorical}
    )
    for name in categorical:
        column = frame[name].cat
        frame[name] = column.reorder_categories(column.categories.sort_values())
    return frame


def _files_frame(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["label", "path", "sha256", "size_bytes"]).astype(
        {"label": "str", "path": "str", "sha256": "str", "size_bytes": "int64"}
    )


def _check_tables(func: str, tables: str | Iterable[str] | None) -> list[str]:
    if tables is None:
        return list(TABLES)
    names = [tables] if isinstance(tables, str) else list(tables)
    for name in names:
        if name not in TABLES:
            raise ParameterError(func, "tables", f"names among {', '.join(TABLES)}", name)
    return names


def _check_categorical(
    func: str, categorical: Mapping[str, Iterable[str]] | None, names: list[str]
) -> dict[str, tuple[str, ...]]:
    if categorical is None:
        return {}
    if not isinstance(categorical, Mapping):
        raise ParameterError(
            func, "categorical", "a mapping of table name to column names", categorical
        )
    out = {}
    for name, columns in categorical.items():
        if name not in names:
            raise ParameterError(func, "categorical", f"tables among {', '.join(names)}", name)
        text = [c.name for c in TABLES[name].columns if _SQL_TYPES[c.kind] == "VARCHAR"]
        chosen = (columns,) if isinstance(columns, str) else tuple(columns)
        for column in chosen:
            if column not in text:
                raise ParameterError(
                    func, "categorical", f"text columns of {name}: {', '.join(text)}", column
                )
        out[name] = tuple(dict.fromkeys(chosen))
    return out


def _check_columns(
    func: str, columns: Mapping[str, Iterable[str]] | None, names: list[str]
) -> dict[str, set[str]]:
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise ParameterError(func, "columns", "a mapping of table name to column names", columns)
    out = {}
    for name, chosen in columns.items():
        if name not in names:
            raise ParameterError(func, "columns", f"tables among {', '.join(names)}", name)
        known = TABLES[name].column_names
        picked = {chosen} if isinstance(chosen, str) else set(chosen)
        unknown = sorted(picked - set(known))
        if unknown:
            raise ParameterError(
                func, "columns", f"columns of {name}: {', '.join(known)}", unknown[0]
            )
        out[name] = picked
    return out


def _check_kind(kind: str, *, func: str = "Store.publish") -> str:
    if not isinstance(kind, str) or not _NAME.match(kind):
        raise ParameterError(func, "kind", "a valid identifier such as 'appraisal'", kind)
    return kind


def _check_quarter(func: str, quarter: str) -> str:
    canonical = parse_quarter(quarter)
    if canonical is None:
        raise ParameterError(func, "quarter", "a quarter such as '2026Q3'", quarter)
    return canonical


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _params_json(params: Mapping[str, Any]) -> str:
    if not isinstance(params, Mapping):
        raise ParameterError("Store.publish", "params", "a mapping", params)
    try:
        return json.dumps(params, sort_keys=True, ensure_ascii=False, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            "Store.publish", "params", f"a JSON-serialisable mapping ({exc})", params
        ) from exc


def _frame_parquet(name: str, frame: pd.DataFrame, h: Any) -> bytes:
    """Parquet bytes of ``frame`` (dtypes and index kept); feeds its content into ``h``."""
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError("Store.publish", "tables", "DataFrames", f"{name}: {type(frame)}")
    try:
        arrow = pa.Table.from_pandas(frame, preserve_index=True)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise ParameterError(
            "Store.publish", "tables", f"DataFrames that Parquet can store ({exc})", name
        ) from exc
    h.update(f"table={name}\ndtypes={[str(d) for d in frame.dtypes]}\n".encode())
    _digest_table(arrow.replace_schema_metadata(None), h)
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()
