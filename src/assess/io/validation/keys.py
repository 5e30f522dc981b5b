"""Rules across rows and tables: unique keys and references, with leading-zero hints."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from assess.core.schema import LEVELS, TABLES, ForeignKey, Table
from assess.io.validation.cells import _Checked
from assess.io.validation.report import _rows


def _duplicates(checked: _Checked) -> pd.DataFrame | None:
    table = TABLES[checked.raw.name]
    keys = list(table.key)
    if not all(checked.usable(k) or not table.column(k).required for k in keys):
        return None
    valid = ~np.logical_or.reduce([checked.invalid[k] for k in keys])
    frame = pd.DataFrame({k: checked.values[k] for k in keys})[valid]
    repeated = frame.duplicated(keep=False)
    if not repeated.any():
        return None
    frame = frame[repeated]
    first = (
        frame.index.to_series()
        .groupby([frame[k] for k in keys], dropna=False, sort=False)
        .transform("min")
    )
    mask = pd.Series(False, index=checked.raw.frame.index)
    mask.loc[first.index[first.index != first.to_numpy()]] = True
    first_row = first.reindex(checked.raw.frame.index).astype("Int64").astype("str")
    shown = checked.raw.frame.reindex(columns=keys)
    value = shown[keys[0]].fillna("")
    for k in keys[1:]:
        value = value + " | " + shown[k].fillna("")
    headers = [checked.header(k) for k in keys]
    return _rows(
        checked.raw,
        mask.to_numpy(),
        rule="duplicate_key",
        column=", ".join(keys),
        header="、".join(headers),
        value=value,
        expected=(f"每个（{'、'.join(headers)}）只出现一次", f"each ({', '.join(keys)}) only once"),
        message=("与第 " + first_row + " 行重复", "repeats row " + first_row),
        hint=("删除重复行，或更正其中一行", "delete the repeated row or correct one of them"),
    )


def _leading_zero_hint(
    missing: pd.Series, known: pd.Series, ref_table: Table
) -> tuple[pd.Series, pd.Series]:
    """Hints naming the code a value probably was before Excel dropped its leading zeros."""
    stripped = known.dropna().drop_duplicates()
    stripped = pd.Series(stripped.to_numpy(), index=stripped.str.lstrip("0").to_numpy())
    stripped = stripped[~stripped.index.duplicated(keep=False)]
    guess = missing.str.lstrip("0").map(stripped)
    guess = guess.where(guess != missing)
    zh = ("可能是 Excel 去掉了前导零，应为 " + guess).fillna(
        f"先在{ref_table.zh}表中登记，或更正编号"
    )
    en = ("Excel may have dropped leading zeros: did you mean " + guess + "?").fillna(
        f"add it to {ref_table.name} first, or correct the code"
    )
    return zh, en


def _references(checked: _Checked, fk: ForeignKey, ref: _Checked) -> list[pd.DataFrame | None]:
    if not (checked.usable(fk.column) and ref.usable(fk.ref_column)):
        return []
    child = checked.values[fk.column]
    given = child.notna().to_numpy() & ~checked.invalid[fk.column]
    known = ref.values[fk.ref_column]
    exists = child.isin(known.dropna()).to_numpy()
    ref_table = TABLES[fk.ref_table]
    ref_header = ref_table.column(fk.ref_column).zh
    where: dict[str, Any] = {
        "column": fk.column,
        "header": checked.header(fk.column),
        "value": child,
    }
    missing = given & ~exists
    frames: list[pd.DataFrame | None] = []
    if missing.any():
        hint_zh, hint_en = _leading_zero_hint(child[missing], known, ref_table)
        frames.append(
            _rows(
                checked.raw,
                missing,
                rule="reference",
                **where,
                expected=(
                    f"{ref_table.zh}表中已有的{ref_header}",
                    f"an existing {fk.ref_table}.{fk.ref_column}",
                ),
                message=(
                    f"在{ref_table.zh}表的{ref_header}中找不到",
                    f"not found in {fk.ref_table}.{fk.ref_column}",
                ),
                hint=(hint_zh.reindex(child.index), hint_en.reindex(child.index)),
            )
        )
    if fk.levels and ref.usable("level"):
        level_of = pd.Series(ref.values["level"].to_numpy(), index=known.to_numpy())
        level_of = level_of[~level_of.index.duplicated() & level_of.index.notna()]
        actual = child.map(level_of)
        wrong = given & exists & ~actual.isin(fk.levels).to_numpy()
        want_zh = "或".join(LEVELS[lv] for lv in fk.levels)
        want_en = " or ".join(fk.levels)
        label = actual.map(LEVELS).astype("str")
        frames.append(
            _rows(
                checked.raw,
                wrong,
                rule="unit_level",
                **where,
                expected=(f"层级为{want_zh}的单位", f"a unit at level {want_en}"),
                message=(
                    "该单位是" + label + "，应为" + want_zh,
                    "the unit is a " + actual.astype("str") + ", not a " + want_en,
                ),
                hint=(f"改为所属{want_zh}的编码", f"use the code of the {want_en} it belongs to"),
            )
        )
    return frames
