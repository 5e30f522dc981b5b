"""The one published appraisal of a quarter, as every report reads it.

``assess score`` and ``assess run`` score the whole organisation once under one scheme
and publish the result to the store (:meth:`assess.io.store.Store.publish`). Reports,
workbooks and the index read that result and slice it by unit
(:meth:`assess.appraisal.scoring.Appraisal.for_unit`); nothing re-scores a subset with
weights of its own, so a member has one index, one rank and one grade in every output.

A batch reads the published result once per worker process (:func:`preload_published`,
called by the warm parent before it forks the reports' children).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from assess.appraisal.scoring import Appraisal
from assess.core.checks import check_quarter
from assess.core.errors import StoreError, bilingual
from assess.core.scheme import Scheme, load_scheme
from assess.report.errors import ReportParameterError

__all__ = ["published_appraisal", "preload_published", "require_published"]

#: The whole organisation's appraisal per (store, quarter), with the publication's sha.
_CACHE: dict[tuple[str, str], tuple[str, Appraisal]] = {}


def _key(store: str | os.PathLike[str]) -> str:
    text = os.fspath(store)
    return text if "://" in text else str(Path(text).resolve())


def _active(store: str | os.PathLike[str], quarter: str) -> pd.Series:
    """The active publication of the quarter's appraisal, or a clear error."""
    from assess.io.store import Store

    with Store.open(store, create=False, read_only=True) as db:
        pubs = db.publications()
    row = pubs.loc[(pubs["kind"] == "appraisal") & (pubs["quarter"] == quarter) & pubs["active"]]
    if row.empty:
        raise ReportParameterError(
            bilingual(
                f"数据库 {store} 中没有 {quarter} 的发布考评结果；"
                f"先运行 assess score --store {store} --quarter {quarter}"
                "（或 assess run），再出报告",
                f"store {store} holds no published appraisal of {quarter}; run "
                f"assess score --store {store} --quarter {quarter} (or assess run) first",
            )
        )
    return row.iloc[0]


def require_published(store: str | os.PathLike[str], quarter: str) -> None:
    """Fail with a bilingual message naming ``assess score`` when ``quarter`` has no
    published appraisal in ``store`` (checked before a report runs)."""
    _active(store, check_quarter("require_published", quarter))


def _whole(store: str | os.PathLike[str], quarter: str, scheme: Scheme) -> Appraisal:
    from assess.io.store import Store

    row = _active(store, quarter)
    params = json.loads(row["params"]) if isinstance(row["params"], str) else {}
    published_sha = params.get("scheme_sha256")
    if published_sha is not None and published_sha != scheme.sha256:
        raise ReportParameterError(
            bilingual(
                f"{quarter} 的考评结果是按方案 {params.get('scheme', '')}"
                f"（SHA-256 {str(published_sha)[:12]}…）发布的，与本报告指定的方案"
                f" {scheme.name}（{scheme.sha256[:12]}…）不同；请按该方案重新运行 "
                "assess score --replace，或不指定方案",
                f"the appraisal of {quarter} was published under scheme "
                f"{params.get('scheme', '')} (SHA-256 {str(published_sha)[:12]}…), not "
                f"{scheme.name} ({scheme.sha256[:12]}…) given to this report; re-run "
                "assess score --replace with that scheme, or give none",
            )
        )
    key = (_key(store), quarter)
    sha = str(row["sha256"])
    if key in _CACHE and _CACHE[key][0] == sha:
        return _CACHE[key][1]
    try:
        with Store.open(store, create=False, read_only=True) as db:
            tables = db.published("appraisal", quarter)
    except StoreError as exc:  # removed between the two reads
        raise ReportParameterError(str(exc)) from exc
    whole = Appraisal.from_tables(tables, scheme=scheme)
    _CACHE[key] = (sha, whole)
    return whole


def preload_published(store: str | os.PathLike[str], quarter: str, scheme: str = "") -> None:
    """Read the published appraisal of ``quarter`` now, so that reports forked from this
    process find it at once; does nothing when it is missing (each report then says so)."""
    try:
        _whole(store, check_quarter("preload_published", quarter), load_scheme(scheme or None))
    except (ReportParameterError, StoreError):
        pass


def published_appraisal(
    store: str | os.PathLike[str],
    *,
    quarter: str,
    units: pd.DataFrame,
    unit: str | None = None,
    scheme: Scheme | None = None,
) -> Appraisal:
    """The quarter's published appraisal, sliced to the members under ``unit``.

    Parameters
    ----------
    store : path
        The store ``assess score`` published to.
    quarter : str
    units : DataFrame
        The organisation tree (``data.units``), to find the branches under ``unit``.
    unit : str, optional
        Any level; ``None`` for the whole organisation.
    scheme : Scheme, optional
        The scheme of the report (default the built-in one); it must be the one the
        result was published under.

    Returns
    -------
    Appraisal
        :meth:`Appraisal.from_tables` of the published tables, then
        :meth:`Appraisal.for_unit`: the published indexes, ranks and grades.

    Raises
    ------
    ReportParameterError
        Nothing published for ``quarter`` ("先运行 assess score …"), or published
        under another scheme.

    Examples
    --------
    >>> import tempfile
    >>> from assess.appraisal.scoring import score_quarter
    >>> from assess.io.demo import generate
    >>> from assess.io.store import Store, read_for_scoring
    >>> from assess.io.validation import load_inputs
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = generate(folder / "demo", size="small", seed=1, progress=False)
    >>> with Store.open(folder / "s.duckdb") as db:
    ...     _ = db.import_dataset(load_inputs(folder / "demo"))
    >>> whole = score_quarter(read_for_scoring(folder / "s.duckdb", quarter="2026Q3"),
    ...                       quarter="2026Q3")
    >>> with Store.open(folder / "s.duckdb") as db:
    ...     _ = db.publish("appraisal", "2026Q3", whole.tables(), params=whole.params())
    ...     units = db.read("units").units
    >>> city = published_appraisal(folder / "s.duckdb", quarter="2026Q3", units=units,
    ...                            unit="01")
    >>> mine = whole.members.set_index("person_id").loc[city.members["person_id"]]
    >>> bool((mine["index"].to_numpy() == city.members["index"].to_numpy()).all())
    True
    """
    quarter = check_quarter("published_appraisal", quarter)
    whole = _whole(store, quarter, scheme or load_scheme())
    return whole if unit is None else whole.for_unit(unit, units)
