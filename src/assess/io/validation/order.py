"""Dates of one record in order: nobody leaves before joining, nothing closes before it opens."""

from __future__ import annotations

import pandas as pd

from assess.core.schema import TABLES
from assess.io.validation.cells import _Checked
from assess.io.validation.report import _rows

#: Table → (earlier, later) date columns of one row; the later may equal the earlier.
DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "staff": (("joined", "left"),),
    "projects": (("start_date", "due_date"), ("start_date", "closed_date")),
    "problems": (("found_date", "due_date"), ("found_date", "closed_date")),
}


def _date_order(checked: _Checked) -> list[pd.DataFrame | None]:
    """Rows whose later date lies before the earlier one (each pair checked on its own)."""
    table = TABLES[checked.raw.name]
    frames: list[pd.DataFrame | None] = []
    for earlier, later in DATE_ORDER.get(table.name, ()):
        if not (checked.usable(earlier) and checked.usable(later)):
            continue
        first, then = checked.values[earlier], checked.values[later]
        wrong = (then < first).fillna(False).to_numpy(dtype=bool)
        first_zh, then_zh = table.column(earlier).zh, table.column(later).zh
        shown = checked.raw.frame[earlier].fillna("")
        frames.append(
            _rows(
                checked.raw,
                wrong,
                rule="date_order",
                column=later,
                header=checked.header(later),
                value=checked.raw.frame[later],
                expected=(
                    f"不早于{first_zh}（" + shown + "）",
                    f"on or after {earlier} (" + shown + ")",
                ),
                message=(f"{then_zh}早于{first_zh}", f"{later} is before {earlier}"),
                hint=("核对这两个日期，可能填反了", "check both dates: they may be swapped"),
            )
        )
    return frames
