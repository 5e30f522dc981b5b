"""Importing a dataset into the store: plan every partition, refuse or record, all at once.

Each table is sorted and split into partitions, each partition hashed and compared with
its active revision to decide its action (see the rules in :mod:`assess.io.store`); then
the import is written in the transaction it was planned in, or not at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assess.core.dataset import Dataset
from assess.core.display import ResultDisplay
from assess.core.errors import InputError, StoreConflictError, StoreError, bilingual
from assess.core.schema import KIND_DTYPES, TABLES, Table
from assess.io.store.backend import Backend
from assess.io.store.hashing import partition_sha256
from assess.io.store.sql import ARROW_TYPES, assess_version, now, quote
from assess.io.validation.codes import code_length_notes

__all__ = [
    "ACTIONS",
    "ImportSummary",
    "import_dataset",
    "partitions",
    "imports",
    "import_files",
    "import_actions",
]

#: What an import can do with a (table, partition).
ACTIONS: tuple[str, ...] = ("added", "unchanged", "replaced", "revised")

_REGISTER = "*"  # the one partition of a register table
# SQL (DuckDB's, run in the client) giving the quarter of a row from its period column.
_PERIOD_SQL = {
    "quarter": "{c}",
    "month": "substr({c}, 1, 4) || 'Q' || CAST((TRY_CAST(substr({c}, 6, 2) AS INTEGER) + 2) "
    "// 3 AS VARCHAR)",
    "date": "strftime({c}, '%Y') || 'Q' || CAST(quarter({c}) AS VARCHAR)",
}
_QUARTER_TEXT = r"^\d{4}Q[1-4]$"

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


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _table_label(name: str) -> str:
    return f"{name}（{TABLES[name].zh}）" if name in TABLES else name


def _to_arrow(table: Table, frame: pd.DataFrame) -> pa.Table:
    """The columns of ``table`` from ``frame`` in their storage types; absent ones empty."""
    arrays = []
    for col in table.columns:
        target = ARROW_TYPES[col.kind]
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
                    f"（应为 {KIND_DTYPES[col.kind]}，实际为 {values.dtype}）：{exc}；"
                    "请先用 assess validate 读取并校验数据",
                    f"column {col.name} of table {table.name} is not of its validated type "
                    f"(expected {KIND_DTYPES[col.kind]}, found {values.dtype}): {exc}; "
                    "read and validate the data with assess validate first",
                )
            ) from exc
    return pa.table(arrays, names=table.column_names)


@dataclass
class _TablePlan:
    """What an import will do with one table: its sorted rows and one action per partition."""

    table: Table
    view: str  # name under which ``rows`` is staged in the backend
    rows: pa.Table  # sorted by partition then every column, with ``_partition``
    actions: list[dict[str, Any]]


@contextlib.contextmanager
def _sorter() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB in the client that sorts every import, whatever the backend.

    The content hash depends on the order of rows; sorting here, not in the store's
    database (whose collation may differ), makes the hashes agree between backends. A
    large table is sorted on disk in a temporary folder.
    """
    with tempfile.TemporaryDirectory(prefix="assess-sort-") as folder:
        con = duckdb.connect(config={"temp_directory": folder})
        try:
            yield con
        finally:
            con.close()


def _sort_partitioned(con: duckdb.DuckDBPyConnection, table: Table, data: pa.Table) -> pa.Table:
    """``data`` with its quarter in ``_partition``, sorted by partition, key, other columns."""
    period = (
        "'*'"
        if table.period is None
        else _PERIOD_SQL[table.column(table.period).kind].format(c=quote(table.period))
    )
    order = list(table.key) + [c for c in table.column_names if c not in table.key]
    view = f"_incoming_{table.name}"
    con.register(view, data)
    try:
        rows = con.sql(
            f"SELECT *, {period} AS _partition FROM {view} "
            # spelled out: the content hash depends on this order (byte order of text, the
            # default collation of a fresh connection)
            f"ORDER BY _partition, {', '.join(f'{quote(c)} ASC NULLS LAST' for c in order)}"
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


# A value of each kind standing in for a missing key in a join, told apart by IS NULL.
_KEY_FILL = {"int": "0", "float": "0", "bool": "false", "date": "DATE '1970-01-01'"}


def _same_key(table: Table, key: str) -> str:
    """``n.key`` equals ``o.key``, missing equal to missing, as an equality both backends
    can hash-join (PostgreSQL full-joins on no IS NOT DISTINCT FROM)."""
    fill = _KEY_FILL.get(table.column(key).kind, "''")
    n, o = f"n.{quote(key)}", f"o.{quote(key)}"
    return f"({n} IS NULL) = ({o} IS NULL) AND coalesce({n}, {fill}) = coalesce({o}, {fill})"


def _diff_counts(
    con: Backend, plan: _TablePlan, partition: str, old_import_id: int
) -> tuple[int, int, int]:
    """Rows added, removed and changed (same key, other values differ) against the old revision."""
    table = plan.table
    cols = ", ".join(quote(c) for c in table.column_names)
    on = " AND ".join(_same_key(table, k) for k in table.key)
    others = [c for c in table.column_names if c not in table.key]
    differs = " OR ".join(f"n.{quote(c)} IS DISTINCT FROM o.{quote(c)}" for c in others) or "false"
    added, removed, changed = con.query(
        f"""
        SELECT count(*) FILTER (WHERE o._old IS NULL),
               count(*) FILTER (WHERE n._new IS NULL),
               count(*) FILTER (WHERE n._new AND o._old AND ({differs}))
        FROM (SELECT {cols}, true AS _new FROM {plan.view} WHERE _partition = ?) AS n
        FULL OUTER JOIN (
            SELECT {cols}, true AS _old FROM {quote(table.name)}
            WHERE _partition = ? AND _import_id = ?) AS o
        ON {on}
        """,
        [partition, partition, old_import_id],
    )[0]
    return int(added), int(removed), int(changed)


def _plan_table(
    con: Backend, sorter: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame
) -> _TablePlan:
    """Sort, split and hash one table and decide the action for each of its partitions.

    Stages the sorted rows in the backend under ``plan.view``; the caller unstages it.
    """
    rows = _sort_partitioned(sorter, table, _to_arrow(table, frame))
    plan = _TablePlan(table, f"_new_{table.name}", rows, [])
    con.stage(plan.view, rows)
    try:
        _decide(con, plan)
    except BaseException:
        con.unstage(plan.view)
        raise
    return plan


def _decide(con: Backend, plan: _TablePlan) -> None:
    """Hash each partition of ``plan`` and append the action the rules give for it."""
    table = plan.table
    active = {
        part: (rev, import_id, sha, n)
        for part, rev, import_id, sha, n in con.query(
            'SELECT "partition", revision, import_id, sha256, n_rows FROM partitions '
            "WHERE active AND table_name = ?",
            [table.name],
        )
    }
    for part, data in _split(plan.rows):
        sha = partition_sha256(data)
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


def _write_table(con: Backend, plan: _TablePlan, import_id: int) -> None:
    """Insert the new partitions of one table and their revisions (inside the transaction)."""
    written = [a for a in plan.actions if a["action"] != "unchanged"]
    if not written:
        return
    cols = ", ".join(quote(c) for c in plan.table.column_names)
    con.execute(
        f"INSERT INTO {quote(plan.table.name)} ({cols}, _partition, _import_id) "
        f"SELECT {cols}, _partition, ? FROM {plan.view} "
        "WHERE _partition IN (SELECT unnest(?::VARCHAR[]))",
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
    con: Backend,
    plans: list[_TablePlan],
    actions: list[dict[str, Any]],
    file_rows: list[tuple[str, str, str, int]],
    *,
    replace: bool,
    note: str,
) -> int:
    """Write an import, its files, its partitions and its actions; return its id."""
    last = con.query("SELECT max(import_id) FROM imports")[0][0]
    import_id = int(last or 0) + 1
    con.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?)",
        [import_id, now(), note, assess_version(), replace],
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


def _conflict_message(store: str, conflicts: list[dict[str, Any]]) -> str:
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


@dataclass(frozen=True, eq=False)
class ImportSummary(ResultDisplay):
    """What one import did, partition by partition.

    Attributes
    ----------
    store : str
        Path of the store file, or the URL of a server store (without its password).
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
    notes : tuple of str
        Bilingual warnings, e.g. unit codes whose lengths no earlier import had
        (:func:`assess.io.validation.code_length_notes`: leading zeros lost in Excel).
    """

    store: str
    import_id: int | None
    actions: pd.DataFrame
    files: pd.DataFrame
    notes: tuple[str, ...] = ()

    _title = "导入结果 / Import summary"

    @property
    def written(self) -> bool:
        """Whether the import wrote anything."""
        return self.import_id is not None

    def to_frame(self) -> pd.DataFrame:
        """The actions, one row per (table, partition)."""
        return self.actions.copy()

    def summary(self) -> str:
        """What happened, in Chinese then English; then the notes."""
        notes = ["", "说明 / notes:", *(f"  · {n}" for n in self.notes)] if self.notes else []
        return "\n".join([self._actions_text(), *notes])

    def _actions_text(self) -> str:
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


def import_dataset(
    con: Backend,
    dataset: Dataset,
    *,
    files: Mapping[str, Path | str] | None,
    replace: bool,
    note: str,
) -> ImportSummary:
    """Import ``dataset`` into the store open on ``con``: see :meth:`Store.import_dataset`."""
    plans: list[_TablePlan] = []
    import_id: int | None = None
    file_rows: list[tuple[str, str, str, int]] = []
    # One transaction from planning to writing, holding the store's write lock: the actions
    # are decided on the same state they are written to, and a failure anywhere leaves the
    # store as it was. An import that changes nothing commits nothing.
    try:
        with con.writing(), _sorter() as sorter:
            # In the transaction, so the codes compared are those the import is decided on.
            lengths = con.query("SELECT DISTINCT length(unit_code) FROM units")
            notes = code_length_notes(dataset.units["unit_code"], [n for (n,) in lengths])
            for name, table_rows in dataset.items():
                if len(table_rows):
                    plans.append(_plan_table(con, sorter, TABLES[name], table_rows))
            actions = [a for plan in plans for a in plan.actions]
            conflicts = [a for a in actions if a["action"] == "replaced"]
            if conflicts and not replace:
                raise StoreConflictError(_conflict_message(con.label, conflicts))
            if any(a["action"] != "unchanged" for a in actions):
                file_rows = _file_rows(files or {})
                import_id = _record_import(
                    con, plans, actions, file_rows, replace=replace, note=note
                )
    finally:
        for plan in plans:
            con.unstage(plan.view)
    done = pd.DataFrame(actions, columns=list(_ACTION_COLUMNS)).astype(_ACTION_COLUMNS)
    return ImportSummary(con.label, import_id, done, _files_frame(file_rows), notes)


def _files_frame(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["label", "path", "sha256", "size_bytes"]).astype(
        {"label": "str", "path": "str", "sha256": "str", "size_bytes": "int64"}
    )


# --------------------------------------------------------------------------- what was imported


def partitions(con: Backend) -> pd.DataFrame:
    """Every revision of every (table, partition): :meth:`Store.partitions`."""
    return con.frame('SELECT * FROM partitions ORDER BY table_name, "partition", revision')


def imports(con: Backend) -> pd.DataFrame:
    """One row per import that wrote data: :meth:`Store.imports`."""
    return con.frame(
        """
        SELECT i.import_id, i.imported_at, i.note, i.assess_version, i."replace",
               count(*) FILTER (WHERE a.action = 'added') AS added,
               count(*) FILTER (WHERE a.action = 'replaced') AS replaced,
               count(*) FILTER (WHERE a.action = 'revised') AS revised,
               count(*) FILTER (WHERE a.action = 'unchanged') AS unchanged,
               coalesce(sum(a.n_rows) FILTER (WHERE a.action <> 'unchanged'), 0)::BIGINT
                   AS rows_written
        FROM imports AS i LEFT JOIN import_actions AS a USING (import_id)
        GROUP BY i.import_id, i.imported_at, i.note, i.assess_version, i."replace"
        ORDER BY i.import_id
        """
    )


def import_files(con: Backend) -> pd.DataFrame:
    """The files of every import: :meth:`Store.import_files`."""
    return con.frame("SELECT * FROM import_files ORDER BY import_id, label")


def import_actions(con: Backend) -> pd.DataFrame:
    """The action for every (table, partition) of every import: :meth:`Store.import_actions`."""
    return con.frame('SELECT * FROM import_actions ORDER BY import_id, table_name, "partition"')
