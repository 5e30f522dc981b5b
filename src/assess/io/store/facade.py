"""The :class:`Store` facade: one open store (a DuckDB file or a PostgreSQL database), each
method handing the work to the module that does it (importing, reading, hashing, publishing).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from assess.core.checks import check_bool, check_path, check_quarter
from assess.core.dataset import Dataset
from assess.core.errors import ParameterError, StoreError, bilingual
from assess.io.store import hashing, imports, publishing, reads
from assess.io.store.backend import Backend, is_url
from assess.io.store.imports import ImportSummary
from assess.io.store.sql import DEFAULT_STORE, open_backend

__all__ = ["Store"]


class Store:
    """An open `assess` store; use :meth:`Store.open`, ideally in a ``with`` block.

    The methods below import validated data, read it back, publish results and list what
    the store holds. See :mod:`assess.io.store` for the rules of imports.

    Attributes
    ----------
    path : Path or str
        The store file, or the URL of a PostgreSQL store without its password.
    read_only : bool
        Whether writes are refused.
    """

    def __init__(self, con: Backend, path: Path | str, *, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only

    # ---- opening and closing

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] = DEFAULT_STORE,
        *,
        create: bool = True,
        read_only: bool = False,
    ) -> Store:
        """Open the store at ``path``, creating it (and its folder) if needed.

        Parameters
        ----------
        path : str or Path, default :data:`DEFAULT_STORE`
            The DuckDB file, or the URL of a database on a PostgreSQL server (or a server
            speaking its protocol: openGauss, KingbaseES), e.g.
            ``"postgresql://analyst@db.example:5432/assess"``, which several analysts can
            use at once (see :mod:`assess.io.store.postgres_backend`).
        create : bool, default True
            Create a new store when ``path`` does not exist, or the server database holds
            no tables yet (ignored when ``read_only``).
        read_only : bool, default False
            Open for reading only; other programs may then read the file at the same time.

        Notes
        -----
        A DuckDB file admits one writing program, and while it writes no other program
        can open it; opening a file another program holds waits up to 60 seconds
        (``ASSESS_STORE_TIMEOUT``), then names the program. On a PostgreSQL store writes
        take turns (a second import waits as long, then names the session writing) and
        each read sees one committed state.

        Returns
        -------
        Store

        Raises
        ------
        StoreError
            The file is missing (and cannot be created), is a folder, is not a DuckDB
            database, is a DuckDB database that is not an `assess` store, was written by a
            newer `assess`, or is held by another program past the timeout; the server
            cannot be reached, or its database holds other tables.
        """
        check_bool("Store.open", "create", create)
        check_bool("Store.open", "read_only", read_only)
        location = path if is_url(path) else check_path("Store.open", "path", path)
        backend, name = open_backend(location, create=create, read_only=read_only)
        return cls(backend, name, read_only=read_only)

    def close(self) -> None:
        """Close the file or connection; the store cannot be used afterwards."""
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
        check_bool("Store.import_dataset", "replace", replace)
        self._require_writable("Store.import_dataset")
        if not isinstance(dataset, Dataset):
            raise ParameterError(
                "Store.import_dataset", "dataset", "an assess.core.dataset.Dataset", type(dataset)
            )
        return imports.import_dataset(self._con, dataset, files=files, replace=replace, note=note)

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
        All tables are read from one snapshot of the store. DuckDB itself takes at most
        1 GB while reading; it sorts a larger table on disk, in ``<store>.tmp`` next to the
        store file.
        """
        return reads.read(
            self._con,
            tables,
            import_id=import_id,
            quarters=quarters,
            categorical=categorical,
            columns=columns,
        )

    def partitions(self) -> pd.DataFrame:
        """Every revision of every (table, partition).

        Columns: ``table_name``, ``partition``, ``revision``, ``import_id``, ``sha256``,
        ``n_rows``, ``active`` (the revision read by default), ``imported_at`` (UTC).
        """
        return imports.partitions(self._con)

    def imports(self) -> pd.DataFrame:
        """One row per import that wrote data.

        Columns: ``import_id``, ``imported_at`` (UTC, ISO 8601), ``note``,
        ``assess_version``, ``replace``, the number of partitions ``added``, ``replaced``,
        ``revised`` and ``unchanged``, and ``rows_written``.
        """
        return imports.imports(self._con)

    def import_files(self) -> pd.DataFrame:
        """The files of every import: ``import_id``, ``label``, ``path``, ``sha256``,
        ``size_bytes``."""
        return imports.import_files(self._con)

    def import_actions(self) -> pd.DataFrame:
        """The action taken for every (table, partition) of every import.

        Columns as :attr:`ImportSummary.actions` (``table_name`` for ``table``, ``n_rows``
        for ``rows``) plus ``import_id``.
        """
        return imports.import_actions(self._con)

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
        return hashing.content_sha256(
            self._con, set(reads.check_tables("Store.content_sha256", tables))
        )

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
        # Bad arguments are reported before a read-only store is.
        check_quarter("Store.publish", quarter)
        check_bool("Store.publish", "replace", replace)
        self._require_writable("Store.publish")
        return publishing.publish(self._con, kind, quarter, tables, params=params, replace=replace)

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
        return publishing.published(self._con, kind, quarter, revision=revision)

    def publications(self) -> pd.DataFrame:
        """Every published revision.

        Columns: ``kind``, ``quarter``, ``revision``, ``active`` (the latest), ``tables``
        (names, comma-separated), ``n_rows`` (total), ``sha256``, ``params`` (JSON),
        ``published_at`` (UTC), ``assess_version``.
        """
        return publishing.publications(self._con)
