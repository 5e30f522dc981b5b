"""Published results: result tables saved per (kind, quarter) as Parquet, in revisions.

Publishing the identical result again (same tables, same params) is a no-op, a different
one needs ``replace=True``, and every earlier revision stays readable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from assess.core.checks import check_quarter
from assess.core.errors import ParameterError, StoreConflictError, StoreError, bilingual
from assess.io.store.backend import Backend
from assess.io.store.hashing import digest_table
from assess.io.store.sql import assess_version, now

__all__ = ["publish", "published", "publications"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def publish(
    con: Backend,
    kind: str,
    quarter: str,
    tables: Mapping[str, pd.DataFrame],
    *,
    params: Mapping[str, Any],
    replace: bool,
) -> int:
    """Save a result set in the store open on ``con``: :meth:`Store.publish`."""
    kind, quarter = _check_kind(kind), check_quarter("Store.publish", quarter)
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
    # Decided and written under the store's write lock: two analysts publishing at once
    # get revisions one after the other, never the same number.
    with con.writing():
        return _publish_locked(con, kind, quarter, sha, text, blobs, replace=replace)


def _publish_locked(
    con: Backend,
    kind: str,
    quarter: str,
    sha: str,
    text: str,
    blobs: list[tuple[str, int, bytes]],
    *,
    replace: bool,
) -> int:
    store = con.label
    found = con.query(
        "SELECT revision, sha256, published_at FROM publications "
        "WHERE kind = ? AND quarter = ? ORDER BY revision DESC LIMIT 1",
        [kind, quarter],
    )
    last = found[0] if found else None
    if last is not None and last[1] == sha:
        return int(last[0])
    if last is not None and not replace:
        raise StoreConflictError(
            bilingual(
                f"数据库 {store} 已有 {kind} {quarter} 的另一发布结果（第 {last[0]} 版，"
                f"{last[2]}），未写入；确认要替换时请用 replace=True，旧版本仍可读取",
                f"store {store} already holds a different {kind} result for {quarter} "
                f"(revision {last[0]}, {last[2]}); nothing written. Pass replace=True to "
                "publish a new revision; the previous one stays readable",
            )
        )
    revision = 1 if last is None else int(last[0]) + 1
    con.execute(
        "INSERT INTO publications VALUES (?, ?, ?, ?, ?, ?, ?)",
        [kind, quarter, revision, sha, text, now(), assess_version()],
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
    con: Backend,
    kind: str,
    quarter: str,
    *,
    revision: int | None,
) -> dict[str, pd.DataFrame]:
    """The tables of a published result: :meth:`Store.published`."""
    kind = _check_kind(kind, func="Store.published")
    quarter = check_quarter("Store.published", quarter)
    with con.reading():
        if revision is None:
            revision = con.query(
                "SELECT max(revision) FROM publications WHERE kind = ? AND quarter = ?",
                [kind, quarter],
            )[0][0]
        rows = (
            []
            if revision is None
            else con.query(
                "SELECT table_name, parquet FROM publication_tables "
                "WHERE kind = ? AND quarter = ? AND revision = ? ORDER BY position",
                [kind, quarter, revision],
            )
        )
    store = con.label
    if not rows:
        which = "" if revision is None else f"（第 {revision} 版）"
        which_en = "" if revision is None else f" (revision {revision})"
        raise StoreError(
            bilingual(
                f"数据库 {store} 中没有 {kind} {quarter} 的发布结果{which}",
                f"store {store} holds no {kind} result for {quarter}{which_en}",
            )
        )
    return {name: pd.read_parquet(io.BytesIO(bytes(blob))) for name, blob in rows}


def publications(con: Backend) -> pd.DataFrame:
    """Every published revision: :meth:`Store.publications`."""
    return con.frame(
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
    )


def _check_kind(kind: str, *, func: str = "Store.publish") -> str:
    if not isinstance(kind, str) or not _NAME.match(kind):
        raise ParameterError(func, "kind", "a valid identifier such as 'appraisal'", kind)
    return kind


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
    digest_table(arrow.replace_schema_metadata(None), h)
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()
