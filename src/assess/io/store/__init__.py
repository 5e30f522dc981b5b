"""The store: every imported quarter and every published result, in one DuckDB file (the
embedded default) or in a database on a PostgreSQL server several analysts share, selected
by a ``postgresql://`` URL where a path would go (see DATA.md, "Several programs at once").

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

Inside the file or database (for SQL users): one table per input table with the contract's columns
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
>>> from pathlib import Path
>>> import pandas as pd
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

from assess.io.store.facade import Store
from assess.io.store.imports import ACTIONS, ImportSummary
from assess.io.store.reads import SCORING_TABLES, read_for_scoring, read_store
from assess.io.store.sql import DEFAULT_STORE, SCHEMA_VERSION

__all__ = [
    "DEFAULT_STORE",
    "SCHEMA_VERSION",
    "ACTIONS",
    "SCORING_TABLES",
    "ImportSummary",
    "Store",
    "read_store",
    "read_for_scoring",
]
