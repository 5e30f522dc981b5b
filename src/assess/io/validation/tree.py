"""The organisation tree: one province at the root, each unit under a higher level, no cycles."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from assess.core.schema import LEVELS, TABLES
from assess.io.validation.cells import _Checked
from assess.io.validation.report import _one, _rows

_LEVEL_ORDER = tuple(LEVELS)


def _unit_tree(units: _Checked) -> list[pd.DataFrame | None]:
    if not all(units.usable(c) for c in ("unit_code", "level")):
        return []
    if not units.usable("parent_code"):
        # Optional values (the province has none), but the tree cannot be built without
        # the column: one problem, not one per unit.
        zh = TABLES["units"].column("parent_code").zh
        return [
            _one(
                "missing_column",
                "units",
                file=units.raw.file_name,
                sheet=units.raw.sheet,
                column="parent_code",
                header=zh,
                expected=(f"列“{zh}”或“parent_code”", f"a column {zh} or parent_code"),
                message=(
                    f"缺少列“{zh}”，无法建立组织树",
                    "column parent_code is missing: the organisation tree cannot be built",
                ),
            )
        ]
    code, level = units.values["unit_code"], units.values["level"]
    parent = units.values["parent_code"]
    first = ~code.duplicated().to_numpy() & code.notna().to_numpy()
    level_of = pd.Series(level.to_numpy()[first], index=code.to_numpy()[first])
    parent_level = parent.map(level_of).astype("str")
    # A unit hangs under any level above its own: a branch under a county, or directly
    # under a city company or the province (their own office branches).
    order = {name: i for i, name in enumerate(_LEVEL_ORDER)}
    above = level.map(dict(zip(_LEVEL_ORDER[1:], _LEVEL_ORDER[:-1], strict=True))).astype("str")
    is_root = (level == _LEVEL_ORDER[0]).to_numpy()
    has_parent = parent.notna().to_numpy()
    step_wrong = (
        has_parent
        & above.notna().to_numpy()
        & (parent_level.map(order) >= level.map(order)).fillna(False).to_numpy()
    )
    where: dict[str, Any] = {
        "column": "parent_code",
        "header": units.header("parent_code"),
        "value": parent,
    }
    return [
        _rows(
            units.raw,
            is_root & has_parent,
            rule="unit_tree",
            **where,
            expected=("空（省公司没有上级）", "empty: a province has no parent"),
            message=("省公司不应有上级单位", "a province has no parent unit"),
        ),
        _rows(
            units.raw,
            above.notna().to_numpy() & ~has_parent,
            rule="unit_tree",
            **where,
            expected=("上级单位编码", "the parent's unit code"),
            message=("只有省公司可以没有上级单位", "only a province may have no parent unit"),
            hint=("填写上级单位编码", "fill in the parent's unit code"),
        ),
        _rows(
            units.raw,
            step_wrong & parent_level.notna().to_numpy(),
            rule="unit_tree",
            **where,
            expected=(
                "层级高于" + level.map(LEVELS) + "的上级单位",
                "a parent above level " + level,
            ),
            message=(
                level.map(LEVELS) + "的上级不能是" + parent_level.map(LEVELS),
                "a " + level + "'s parent cannot be a " + parent_level,
            ),
            hint=(
                "组织树自上而下为 省公司→市公司→县公司→党支部，上级须高于本级",
                "the tree runs province → city → county → branch; a parent must be higher",
            ),
        ),
        _second_roots(units, is_root & first),
        _cycles(units, first),
    ]


def _second_roots(units: _Checked, roots: np.ndarray) -> pd.DataFrame | None:
    """Every province after the first: a store holds one organisation, one tree."""
    if roots.sum() < 2:
        return None
    rows = units.raw.frame.index.to_numpy()
    first_row, first_code = rows[roots][0], units.values["unit_code"].to_numpy()[roots][0]
    later = roots.copy()
    later[np.flatnonzero(roots)[0]] = False
    return _rows(
        units.raw,
        later,
        rule="unit_tree",
        column="unit_code",
        header=units.header("unit_code"),
        value=units.raw.frame["unit_code"],
        expected=(
            f"只有一个省公司（第 {first_row} 行的 {first_code}）",
            f"one province only (row {first_row}: {first_code})",
        ),
        message=(
            f"组织树有 {int(roots.sum())} 个根：只能有一个省公司",
            f"the tree has {int(roots.sum())} roots: only one province is allowed",
        ),
        hint=(
            "一次只导入一个省公司的组织机构；其他单位挂在它的下面",
            "import one province's organisation at a time, every other unit under it",
        ),
    )


def _cycles(units: _Checked, first: np.ndarray) -> pd.DataFrame | None:
    """Units on a cycle of parent codes (each unit is checked once, at its first row)."""
    codes = pd.Index(units.values["unit_code"].to_numpy()[first])
    parent = codes.get_indexer(units.values["parent_code"].to_numpy()[first])
    # Pointer doubling: after k rounds ``up`` points 2**k generations up. A chain still
    # going after more generations than there are units has entered a cycle, and the
    # unit it reached lies on that cycle.
    up = parent
    for _ in range(math.ceil(math.log2(len(codes) + 1)) + 1):
        up = np.where(up >= 0, up[up], -1)
    on_cycle = np.zeros(len(codes), dtype=bool)
    on_cycle[up[up >= 0]] = True
    # Walk each cycle once round from the units found on it.
    while not on_cycle[parent[on_cycle]].all():
        on_cycle[parent[on_cycle]] = True
    mask = units.values["unit_code"].isin(codes[on_cycle]).to_numpy() & first
    return _rows(
        units.raw,
        mask,
        rule="unit_cycle",
        column="parent_code",
        header=units.header("parent_code"),
        value=units.values["parent_code"],
        expected=("通向省公司的上级链", "a chain of parents ending at a province"),
        message=(
            "上级单位链成环，到不了省公司",
            "the chain of parent units loops back and never reaches a province",
        ),
        hint=("检查这些单位的上级单位编码", "check the parent codes of these units"),
    )
