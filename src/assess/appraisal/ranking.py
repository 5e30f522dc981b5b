"""Ranks within groups — competition (1-2-2-4), dense or ordinal — independent of row order.

The rank of a member depends only on the scores (and tie-break keys) of the members of its
group, never on the order of the rows: the same table shuffled gives the same ranks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from assess.core.checks import check_bool, check_choice
from assess.core.errors import ParameterError

__all__ = ["METHODS", "rank"]

#: Ranking methods: ``competition`` 1-2-2-4 (体育排名, the default), ``dense`` 1-2-2-3,
#: ``ordinal`` 1-2-3-4 (ties broken by the index label).
METHODS: tuple[str, ...] = ("competition", "dense", "ordinal")


def rank(
    values: pd.Series,
    *,
    groups: pd.Series | pd.DataFrame | None = None,
    method: str = "competition",
    ascending: bool = False,
    tie_break: Sequence[pd.Series] | pd.DataFrame | None = None,
    tie_break_ascending: bool | Sequence[bool] | None = None,
) -> pd.Series:
    """Rank ``values`` within ``groups``; the best (by default the highest) value gets rank 1.

    Parameters
    ----------
    values : pandas.Series
        Scores with a unique index (member ids). Missing values get a missing rank and do
        not count for the others.
    groups : pandas.Series or pandas.DataFrame, optional
        Group of each member (e.g. branch code; a DataFrame for several keys such as quarter
        and branch), aligned on the index. ``None`` ranks everybody together.
    method : {"competition", "dense", "ordinal"}, default "competition"
        ``competition``: tied members share the best rank and the next rank skips (1-2-2-4);
        ``dense``: no skip (1-2-2-3); ``ordinal``: every member a distinct rank, remaining
        ties broken by the index label in ascending order, so the result is still
        independent of row order.
    ascending : bool, default False
        ``False``: higher values rank first (scores); ``True``: lower values rank first
        (e.g. violation counts).
    tie_break : sequence of pandas.Series or pandas.DataFrame, optional
        Further keys compared, in order, before two members count as tied (e.g. an exam
        score). Missing tie-break values count as the worst.
    tie_break_ascending : bool or sequence of bool, optional
        Direction of each tie-break key; ``None`` uses ``ascending`` for all of them.

    Returns
    -------
    pandas.Series
        ``Int64`` ranks named ``rank`` with the index of ``values``.

    Raises
    ------
    ParameterError
        If the index of ``values`` has duplicates, a group is missing, ``groups`` or
        ``tie_break`` cannot be aligned with ``values``, or ``method`` is unknown.

    Notes
    -----
    The rank of a member is ``1 +`` the number of members of its group that are strictly
    better on the key (value, tie-break keys...) for ``competition``, ``1 +`` the number of
    distinct better keys for ``dense``. Checked against ``scipy.stats.rankdata`` with
    ``method="min"``, ``"dense"`` and ``"ordinal"`` on the negated values.

    Scores are compared exactly: round them to the published precision first (e.g.
    ``scores.round(2)``) so that members shown with equal scores tie.

    Examples
    --------
    >>> s = pd.Series([90.0, 85.0, 85.0, 70.0], index=["a", "b", "c", "d"])
    >>> rank(s).tolist()
    [1, 2, 2, 4]
    >>> rank(s, method="dense").tolist()
    [1, 2, 2, 3]
    >>> rank(s, tie_break=[pd.Series({"a": 0, "b": 60, "c": 75, "d": 0})]).tolist()
    [1, 3, 2, 4]
    """
    func = "rank"
    check_choice(func, "method", method, METHODS)
    check_bool(func, "ascending", ascending)
    index = _unique_index(values, func)
    valid = values.notna().to_numpy()
    codes, _ = group_codes(groups, index, func)
    keys = order_keys(values, tie_break, ascending, tie_break_ascending, func)
    if method == "ordinal":
        keys.append(
            _badness(pd.Series(index, index=index), ascending=True, func=func, name="index")
        )
    ranks = np.zeros(len(index), dtype=np.int64)
    sel = np.flatnonzero(valid)
    order, new_group, new_block = sorted_blocks(codes[sel], [k[sel] for k in keys])
    pos = np.arange(len(order))
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    if method == "dense":
        blocks = np.cumsum(new_block)
        ranked = blocks - blocks[group_start] + 1
    elif method == "competition":
        ranked = np.maximum.accumulate(np.where(new_block, pos, 0)) - group_start + 1
    else:
        ranked = pos - group_start + 1
    ranks[sel[order]] = ranked
    out = pd.Series(pd.array(ranks, dtype="Int64"), index=index, name="rank")
    out[~valid] = pd.NA
    return out


def sorted_blocks(
    codes: np.ndarray, keys: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort by group then by the keys (0 best); mark where groups and tie blocks start.

    Returns the sorting permutation and, in sorted order, boolean arrays telling whether a
    row starts a new group and whether it starts a new block of tied rows (a new group
    always starts a new block).
    """
    order = np.lexsort([*reversed(keys), codes])
    n = len(order)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = codes[order][1:] != codes[order][:-1]
    new_block = new_group.copy()
    for key in keys:
        k = key[order]
        new_block[1:] |= k[1:] != k[:-1]
    return order, new_group, new_block


def group_codes(
    groups: pd.Series | pd.DataFrame | None, index: pd.Index, func: str
) -> tuple[np.ndarray, pd.DataFrame | None]:
    """Integer group codes per row (sorted group order) and the key frame of each row."""
    if groups is None:
        return np.zeros(len(index), dtype=np.int64), None
    frame = groups.to_frame() if isinstance(groups, pd.Series) else groups
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(func, "groups", "a pandas Series or DataFrame", type(groups).__name__)
    frame = align(frame, index, func, "groups")
    frame.columns = [c if isinstance(c, str) else "group" for c in frame.columns]
    if frame.isna().any(axis=None):
        missing = list(frame.index[frame.isna().any(axis=1)][:5])
        raise ParameterError(
            func,
            "groups",
            "a group for every member",
            f"missing for {missing}",
            zh=f"{func}：参数 'groups' 中以下成员缺少分组：{missing}",
        )
    per_column = [_codes(frame[c]) for c in frame.columns]
    if len(per_column) == 1:
        return per_column[0], frame
    _, codes = np.unique(np.stack(per_column, axis=1), axis=0, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), frame


def _codes(column: pd.Series) -> np.ndarray:
    # Sorted codes put groups in a readable order; unorderable mixed labels keep first-seen order.
    try:
        codes, _ = pd.factorize(column, sort=True)
    except TypeError:
        codes, _ = pd.factorize(column, sort=False)
    return codes.astype(np.int64)


def order_keys(
    values: pd.Series,
    tie_break: Sequence[pd.Series] | pd.DataFrame | None,
    ascending: bool,
    tie_break_ascending: bool | Sequence[bool] | None,
    func: str,
) -> list[np.ndarray]:
    """The primary key and the tie-break keys as integer codes, 0 the best."""
    index = values.index
    keys = [_badness(values, ascending=ascending, func=func, name="values")]
    if tie_break is None:
        return keys
    extra = (
        [tie_break[c] for c in tie_break.columns]
        if isinstance(tie_break, pd.DataFrame)
        else list(tie_break)
    )
    if tie_break_ascending is None or isinstance(tie_break_ascending, bool):
        directions = [ascending if tie_break_ascending is None else tie_break_ascending] * len(
            extra
        )
    else:
        directions = list(tie_break_ascending)
        if len(directions) != len(extra):
            raise ParameterError(
                func,
                "tie_break_ascending",
                f"a bool or {len(extra)} bools (one per tie-break key)",
                tie_break_ascending,
            )
    for i, (key, asc) in enumerate(zip(extra, directions, strict=True)):
        series = align(
            key if isinstance(key, pd.Series) else pd.Series(key), index, func, f"tie_break[{i}]"
        )
        keys.append(_badness(series, ascending=asc, func=func, name=f"tie_break[{i}]"))
    return keys


def align(obj: Any, index: pd.Index, func: str, name: str) -> Any:
    """``obj`` (Series/DataFrame) re-ordered to ``index`` when it holds the same labels.

    A bare array or list is taken to be in the order of ``index`` when it has its length.
    """
    if not isinstance(obj, pd.Series | pd.DataFrame):
        arr = np.asarray(obj)
        if arr.ndim != 1 or len(arr) != len(index):
            raise ParameterError(
                func, name, f"{len(index)} values aligned with the scores", f"shape {arr.shape}"
            )
        return pd.Series(arr, index=index)
    if obj.index.equals(index):
        return obj
    if len(obj.index) == len(index) and obj.index.is_unique and obj.index.isin(index).all():
        return obj.reindex(index)
    raise ParameterError(
        func,
        name,
        "a Series/DataFrame with the same index labels as the scores",
        "different index labels",
    )


def _unique_index(values: pd.Series, func: str) -> pd.Index:
    if not isinstance(values, pd.Series):
        raise ParameterError(func, "values", "a pandas Series", type(values).__name__)
    if not values.index.is_unique:
        dup = list(values.index[values.index.duplicated()][:5])
        raise ParameterError(
            func,
            "values",
            "a Series with a unique index (one row per member)",
            f"duplicate labels {dup}",
        )
    return values.index


def _badness(series: pd.Series, *, ascending: bool, func: str, name: str) -> np.ndarray:
    # Integer codes in sorted order make keys of any orderable dtype comparable in lexsort
    # and let the direction flip without negating (which would fail for text or dates).
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError as exc:
        raise ParameterError(func, name, "values that can be ordered", str(exc)) from None
    m = len(uniques)
    bad = codes.astype(np.int64) if ascending else (m - 1 - codes).astype(np.int64)
    bad[codes < 0] = m
    return bad
