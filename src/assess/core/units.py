"""The organisation tree: ancestors of every unit and the units under any node.

Branches may sit under a county company or directly under a city company (or the
province), so the ancestors are looked up by level rather than by depth.
"""

from __future__ import annotations

import pandas as pd

from assess.core.checks import check_choice, require_columns
from assess.core.errors import ParameterError

__all__ = ["LEVELS", "unit_paths", "units_under", "unit_name"]

#: Levels from the top of the tree down.
LEVELS: tuple[str, ...] = ("province", "city", "county", "branch")


def unit_paths(units: pd.DataFrame) -> pd.DataFrame:
    """For every unit, its ancestor at each level (missing where the tree skips a level).

    Returns
    -------
    DataFrame
        Index ``unit_code``; columns ``level``, ``unit_name`` and ``province``, ``city``,
        ``county``, ``branch`` (codes of the ancestor at that level, the unit itself at
        its own level).

    Examples
    --------
    >>> units = pd.DataFrame({"unit_code": ["00", "01", "0101", "010101", "0102"],
    ...     "unit_name": ["省", "甲市", "甲县", "一支部", "二支部"],
    ...     "level": ["province", "city", "county", "branch", "branch"],
    ...     "parent_code": [None, "00", "01", "0101", "01"]})
    >>> unit_paths(units).loc[["010101", "0102"], ["city", "county"]].values.tolist()
    [['01', '0101'], ['01', nan]]
    """
    require_columns("unit_paths", "units", units, ("unit_code", "level", "parent_code"))
    table = units.set_index("unit_code")
    parent = table["parent_code"].to_dict()
    level = table["level"].to_dict()
    rows = {}
    for code in table.index:
        row: dict[str, str | None] = dict.fromkeys(LEVELS)
        node: str | None = code
        seen: set[str] = set()
        while node is not None and isinstance(node, str) and node in level and node not in seen:
            seen.add(node)
            row[level[node]] = node
            nxt = parent.get(node)
            node = nxt if isinstance(nxt, str) and nxt else None
        rows[code] = row
    paths = pd.DataFrame.from_dict(rows, orient="index", columns=list(LEVELS))
    paths.index.name = "unit_code"
    out = table[["level", "unit_name"]].join(paths)
    return out


def units_under(units: pd.DataFrame, code: str, *, level: str | None = None) -> list[str]:
    """Codes of ``code`` and every unit below it, optionally only those at ``level``.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_code": ["00", "01", "0101", "010101"],
    ...     "unit_name": ["省", "市", "县", "支部"],
    ...     "level": ["province", "city", "county", "branch"],
    ...     "parent_code": [None, "00", "01", "0101"]})
    >>> units_under(units, "01", level="branch")
    ['010101']
    """
    if level is not None:
        check_choice("units_under", "level", level, tuple(LEVELS))
    paths = unit_paths(units)
    if code not in paths.index:
        raise ParameterError(
            "units_under",
            "code",
            "a unit_code of the units table",
            code,
            zh=f"units_under：参数 'code' 应为组织机构表中的单位编码，实际为 {code!r}",
        )
    own_level = paths.at[code, "level"]
    inside = paths.loc[paths[own_level] == code]
    if level is not None:
        inside = inside.loc[inside["level"] == level]
    return sorted(inside.index.tolist())


def unit_name(units: pd.DataFrame, code: str) -> str:
    """The name of unit ``code``."""
    match = units.loc[units["unit_code"] == code, "unit_name"]
    if match.empty:
        raise ParameterError(
            "unit_name",
            "code",
            "a unit_code of the units table",
            code,
            zh=f"unit_name：参数 'code' 应为组织机构表中的单位编码，实际为 {code!r}",
        )
    return str(match.iloc[0])
