"""Unit codes against earlier imports: codes that all lost their leading zeros still match
each other, so only the store's history shows it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from assess.core.errors import bilingual

__all__ = ["code_length_notes"]


def code_length_notes(codes: pd.Series, previous_lengths: Iterable[int]) -> tuple[str, ...]:
    """A warning when unit codes have lengths that no earlier import had.

    Parameters
    ----------
    codes : pandas.Series
        The ``unit_code`` column being imported.
    previous_lengths : iterable of int
        The lengths of the unit codes already in the store (empty for a first import).

    Returns
    -------
    tuple of str
        One bilingual note, or none when every length was seen before (a partial import
        of fewer levels is no warning) or nothing was imported earlier.

    Examples
    --------
    >>> (note,) = code_length_notes(pd.Series(["1", "101", "10101"]), [2, 4, 6])
    >>> note.split(" / ")[1]
    'unit codes have 1, 3, 5 characters; earlier imports had 2, 4, 6: unless the coding \
changed, Excel may have dropped leading zeros (e.g. 1 for 01)'
    >>> code_length_notes(pd.Series(["01", "0101"]), [2, 4, 6])
    ()
    """
    before = sorted({int(n) for n in previous_lengths})
    given = codes.dropna().astype("str")
    now = sorted(set(given.str.len()))
    if not before or set(now) <= set(before):
        return ()
    new = [n for n in now if n not in before]
    example = given[given.str.len() == new[0]].iloc[0]
    padded = example.zfill(min((n for n in before if n > len(example)), default=len(example) + 1))
    zh_now, en_now = "、".join(map(str, now)), ", ".join(map(str, now))
    zh_before, en_before = "、".join(map(str, before)), ", ".join(map(str, before))
    return (
        bilingual(
            f"本次单位编码长度为 {zh_now} 位，此前导入为 {zh_before} 位：如非编码规则改变，"
            f"可能是 Excel 去掉了前导零（如 {example} 应为 {padded}）",
            f"unit codes have {en_now} characters; earlier imports had {en_before}: unless "
            f"the coding changed, Excel may have dropped leading zeros (e.g. {example} for "
            f"{padded})",
        ),
    )
