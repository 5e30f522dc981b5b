"""Masking members' names and ids in reports read above branch level.

A branch secretary sees the names of the branch's members; a report for a county, city
or the province shows them masked (``张**``, ``******23``) unless the report's privacy
parameter allows names.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from assess.core.checks import check_choice
from assess.core.errors import ParameterError
from assess.core.schema import LEVELS

__all__ = ["PRIVACY_LEVELS", "masks_people", "mask_name", "mask_id", "mask_people"]

#: Privacy settings of a report: ``auto`` masks above branch level, ``masked`` always,
#: ``named`` never (only where the party committee allows it).
PRIVACY_LEVELS: tuple[str, ...] = ("auto", "masked", "named")


def masks_people(level: str, privacy: str) -> bool:
    """Whether a report for a unit at ``level`` masks people under ``privacy``.

    Examples
    --------
    >>> masks_people("branch", "auto"), masks_people("county", "auto")
    (False, True)
    """
    check_choice("masks_people", "level", level, tuple(LEVELS))
    check_choice("masks_people", "privacy", privacy, PRIVACY_LEVELS)
    return privacy == "masked" or (privacy == "auto" and level != "branch")


def mask_name(name: object) -> object:
    """Keep the first character of a name, star the rest (missing values stay missing).

    Examples
    --------
    >>> mask_name("欧阳修"), mask_name("李四"), mask_name("王")
    ('欧**', '李*', '王')
    """
    if not isinstance(name, str):
        return name
    text = name.strip()
    return text[:1] + "*" * (len(text) - 1)


def mask_id(person_id: object) -> object:
    """Star all but the last two characters of an id.

    Examples
    --------
    >>> mask_id("00000123")
    '******23'
    """
    if not isinstance(person_id, str):
        return person_id
    return "*" * max(len(person_id) - 2, 0) + person_id[-2:]


def mask_people(
    frame: pd.DataFrame,
    level: str,
    privacy: str = "auto",
    *,
    names: Sequence[str] = ("name",),
    ids: Sequence[str] = ("person_id",),
) -> pd.DataFrame:
    """A copy of ``frame`` with people's names and ids masked when the report calls for it.

    Parameters
    ----------
    frame : DataFrame
        A table of people (members, a watch list).
    level : str
        Level of the unit the report is for: ``province``, ``city``, ``county``, ``branch``.
    privacy : str, default "auto"
        One of :data:`PRIVACY_LEVELS`.
    names, ids : sequence of str
        Columns holding names and ids; those absent from ``frame`` are ignored.

    Returns
    -------
    DataFrame
        ``frame`` itself (copied) when nothing is masked.

    Raises
    ------
    ParameterError
        Unknown ``level`` or ``privacy``, or ``frame`` not a DataFrame.

    Examples
    --------
    >>> people = pd.DataFrame({"person_id": ["00000123"], "name": ["张三丰"], "index": [91.5]})
    >>> mask_people(people, "city").values.tolist()
    [['******23', '张**', 91.5]]
    >>> mask_people(people, "branch")["name"].tolist()
    ['张三丰']
    """
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError("mask_people", "frame", "a DataFrame", type(frame).__name__)
    out = frame.copy()
    if not masks_people(level, privacy):
        return out
    for column in names:
        if column in out.columns:
            out[column] = out[column].map(mask_name)
    for column in ids:
        if column in out.columns:
            out[column] = out[column].map(mask_id)
    return out
