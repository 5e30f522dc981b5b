"""Reading the store back: tables as validated frames, all history or as of any import,
and just what scoring a quarter needs.

Reads are built for a national store (27 million point rows): DuckDB's memory is capped,
rows come in batches, and repetitive text columns can be read as categoricals. Each call
reads one consistent snapshot of the store (:meth:`Backend.reading`): on a server, an
import committed meanwhile is seen entirely or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assess.core.checks import check_choice, check_path, check_quarter
from assess.core.dataset import Dataset
from assess.core.errors import ParameterError
from assess.core.periods import shift_quarter
from assess.core.schema import KIND_DTYPES, TABLES, Table
from assess.io.store.backend import Backend
from assess.io.store.sql import ARROW_TYPES, DEFAULT_STORE, SQL_TYPES, open_backend, quote

__all__ = ["SCORING_TABLES", "read", "read_store", "read_for_scoring", "check_tables"]

#: The input tables an appraisal reads (:func:`assess.appraisal.scoring.score_quarter`).
SCORING_TABLES: tuple[str, ...] = (
    "units",
    "staff",
    "points",
    "events",
    "exposure",
    "exam_responses",
    "duties",
    "projects",
    "problems",
)
# Text columns read_for_scoring reads as categoricals: 27 million point rows of a national
# store would otherwise hold a string per row in each.
_POINT_CODES: tuple[str, ...] = ("person_id", "quarter", "indicator")
_EXAM_CODES: tuple[str, ...] = ("person_id", "quarter", "item_id", "response")

# Rows fetched from the backend at a time when reading a table. (DuckDB's own memory
# while reading is capped by its backend: by default it may take 80% of the RAM and keeps
# every block it has read cached, 3.5 GB for the points of a national store.)
_BATCH_ROWS = 1_000_000


def read(
    con: Backend,
    tables: str | Iterable[str] | None = None,
    *,
    import_id: int | None = None,
    quarters: Iterable[str] | None = None,
    categorical: Mapping[str, Iterable[str]] | None = None,
    columns: Mapping[str, Iterable[str]] | None = None,
) -> Dataset:
    """The tables of the store open on ``con``, in one snapshot: :meth:`Store.read`."""
    names = check_tables("Store.read", tables)
    as_category = _check_categorical("Store.read", categorical, names)
    chosen = _check_columns("Store.read", columns, names)
    wanted = None if quarters is None else _check_quarters("Store.read", quarters)
    with con.reading():
        as_of = _check_import_id(con, "Store.read", import_id)
        present = con.columns()
        frames = {
            name: _read_table(
                con,
                TABLES[name],
                as_of,
                present.get(name, set()),
                wanted,
                as_category.get(name, ()),
                chosen.get(name),
            )
            for name in names
        }
    return Dataset(**frames, sources={name: con.label for name in names})


def _check_import_id(con: Backend, func: str, import_id: int | None) -> int:
    ids = [int(i) for (i,) in con.query("SELECT import_id FROM imports")]
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
    con: Backend,
    table: Table,
    as_of: int,
    present: set[str],
    quarters: list[str] | None = None,
    categorical: tuple[str, ...] = (),
    columns: set[str] | None = None,
) -> pd.DataFrame:
    read = present if columns is None else present & columns
    select = ", ".join(
        f"d.{quote(c.name)}" if c.name in read else f"NULL::{SQL_TYPES[c.kind]} {quote(c.name)}"
        for c in table.columns
    )
    if present:
        only = quarters if (quarters is not None and table.period) else None
        in_quarters = 'AND "partition" IN (SELECT unnest(?::VARCHAR[]))' if only else ""
        reader = con.batches(
            f"""
            SELECT {select} FROM {quote(table.name)} AS d
            JOIN (SELECT "partition", max(import_id) AS import_id FROM partition_revisions
                  WHERE table_name = ? AND import_id <= ? {in_quarters}
                  GROUP BY "partition") AS p
              ON d._partition = p."partition" AND d._import_id = p.import_id
            ORDER BY {", ".join(_order(table, k) for k in table.key)}
            """,
            [table.name, as_of, *([only] if only else [])],
            pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in table.columns]),
            _BATCH_ROWS,
        )
        # Batch by batch, so that a categorical column never exists as strings in full.
        batches = [_encode(batch, categorical) for batch in reader]
        empty = pa.RecordBatch.from_pylist([], schema=reader.schema)
        schema = _encode(empty, categorical).schema
        rows = pa.Table.from_batches(batches, schema=schema).unify_dictionaries()
        del batches
    else:  # a table the contract gained after this read-only store was written
        rows = pa.table(
            [pa.array([], type=ARROW_TYPES[c.kind]) for c in table.columns],
            names=table.column_names,
        )
    return _to_pandas(table, rows, categorical)


def _order(table: Table, key: str) -> str:
    """A key column in ORDER BY: text byte-wise on every backend, whatever its collation."""
    text = SQL_TYPES[table.column(key).kind] == "VARCHAR"
    collate = ' COLLATE "C"' if text else ""
    return f"d.{quote(key)}{collate}"


def read_store(
    path: str | os.PathLike[str] = DEFAULT_STORE,
    tables: str | Iterable[str] | None = None,
    *,
    import_id: int | None = None,
    quarters: Iterable[str] | None = None,
    categorical: Mapping[str, Iterable[str]] | None = None,
    columns: Mapping[str, Iterable[str]] | None = None,
) -> Dataset:
    """Read the store in one call: the notebook way to get every table with all history.

    Opens ``path`` read-only, reads one snapshot, and closes it again, so imports are not
    blocked for longer than the read.

    Parameters
    ----------
    path : str or Path, default :data:`DEFAULT_STORE`
        The store file, or a ``postgresql://`` URL (see :meth:`Store.open`).
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
    con, _ = open_backend(_location("read_store", path), create=False, read_only=True)
    try:
        return read(
            con,
            tables,
            import_id=import_id,
            quarters=quarters,
            categorical=categorical,
            columns=columns,
        )
    finally:
        con.close()


def read_for_scoring(store: str | os.PathLike[str], *, quarter: str) -> Dataset:
    """Read from a store only what :func:`~assess.appraisal.scoring.score_quarter` needs.

    The quarter, the one before (环比), the same quarter a year earlier (同比) and the
    last four quarters of exams — not all history — so that a national store (1,000,000
    members) scores within 8 GB of memory. To the same end the evidence ids of
    ``points`` are read for ``quarter`` only (its ledger's reason trail; missing in the
    earlier quarters, which only feed 同比/环比), and the repetitive text columns of the
    long tables are pandas categoricals: ``person_id``, ``quarter`` and ``indicator`` of
    ``points``; ``person_id``, ``quarter``, ``item_id`` and ``response`` of
    ``exam_responses``. Rows are in the order of the tables' keys, as
    :func:`read_store` gives them.
    """
    # Named score_quarter: reading is the first step of scoring, and `assess score`
    # reports a bad --quarter this way.
    quarter = check_quarter("score_quarter", quarter)
    earlier = [shift_quarter(quarter, -k) for k in range(1, 5)]
    codes = {"points": _POINT_CODES}
    con, _ = open_backend(_location("read_for_scoring", store), create=False, read_only=True)
    try:
        with con.reading():  # the three reads below see one state of the store
            data, recent, before = _read_scoring(con, quarter, earlier, codes)
    finally:
        con.close()
    points = _in_key_order(before, recent.points)
    return replace(data, points=points, sources={**data.sources, **recent.sources})


def _read_scoring(
    con: Backend, quarter: str, earlier: list[str], codes: dict[str, tuple[str, ...]]
) -> tuple[Dataset, Dataset, pd.DataFrame]:
    data = read(
        con,
        [t for t in SCORING_TABLES if t != "points"],
        quarters=[quarter, *earlier],
        categorical={"exam_responses": _EXAM_CODES},
    )
    recent = read(con, "points", quarters=[quarter], categorical=codes)
    before = read(
        con,
        "points",
        quarters=earlier,
        categorical=codes,
        columns={"points": [*_POINT_CODES, "value"]},
    ).points
    return data, recent, before


def _location(func: str, location: str | os.PathLike[str]) -> str | Path:
    """A store path or URL as given; a URL is kept as text (a Path would fold its ``//``)."""
    if isinstance(location, str) and "://" in location:
        return location
    return check_path(func, "path", location)


def _in_key_order(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """Point rows of earlier quarters and of the appraised one in one frame, in key order."""
    for name in _POINT_CODES:
        categories = before[name].cat.categories.union(now[name].cat.categories)
        before[name] = before[name].cat.set_categories(categories)
        now[name] = now[name].cat.set_categories(categories)
    both = pd.concat([before, now], ignore_index=True)
    # Each part is in key order (person_id, quarter, ...) and the earlier quarters come
    # before the appraised one, so a stable sort on the person restores the whole order.
    person = both["person_id"].cat.codes.to_numpy()
    person = np.where(person < 0, len(both["person_id"].cat.categories), person)  # NULLS LAST
    return both.take(np.argsort(person, kind="stable")).reset_index(drop=True)


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
        {c.name: KIND_DTYPES[c.kind] for c in table.columns if c.name not in categorical}
    )
    for name in categorical:
        column = frame[name].cat
        frame[name] = column.reorder_categories(column.categories.sort_values())
    return frame


def check_tables(func: str, tables: str | Iterable[str] | None) -> list[str]:
    if tables is None:
        return list(TABLES)
    many = not isinstance(tables, str) and isinstance(tables, Iterable)
    names = list(tables) if many else [tables]
    return [check_choice(func, "tables", name, tuple(TABLES)) for name in names]


def _check_quarters(func: str, quarters: Iterable[str] | str) -> list[str]:
    """Sorted distinct quarters; one quarter may be given as a string."""
    many = not isinstance(quarters, str) and isinstance(quarters, Iterable)
    given = list(quarters) if many else [quarters]
    return sorted({check_quarter(func, q, name="quarters") for q in given})


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
        text = [c.name for c in TABLES[name].columns if SQL_TYPES[c.kind] == "VARCHAR"]
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
