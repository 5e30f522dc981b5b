"""Building blocks for templates: the cover, prose and tables shown escaped, campaign counts.

Templates stay thin (load → compute → render); these helpers turn library results into
what a reader sees, with every character from data escaped.
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._display import text_html
from ..dataset import Dataset
from ..errors import ParameterError, bilingual, check_choice
from ..periods import parse_quarter
from ..schema import EVENT_TYPES, LEVELS
from ..units import unit_paths
from .errors import ReportParameterError

__all__ = [
    "UnitInfo",
    "load_store",
    "preload_store",
    "unit_info",
    "cover",
    "prose",
    "table",
    "notes",
    "campaign_counts",
    "format_value",
    "LANGUAGES",
    "COLUMN_LABELS",
    "EXPOSURES",
]

#: ``language`` values of :func:`prose`: both languages (Chinese first), or one.
LANGUAGES: tuple[str, ...] = ("zh-en", "zh", "en")

#: Headings :func:`table` gives to columns it knows.
COLUMN_LABELS: dict[str, str] = {
    "person_id": "人员编号 ID",
    "name": "姓名 Name",
    "unit_code": "单位编码 Unit",
    "unit_name": "单位名称 Unit name",
    "branch_name": "所在支部 Branch",
    "index": "先锋指数 Index",
    "grade": "等次 Grade",
    "rank_overall": "排名 Rank",
    "rank_branch": "支部内排名 Rank in branch",
    "index_yoy": "同比 YoY",
    "index_qoq": "环比 QoQ",
    "vetoes": "否决项 Vetoes",
    "n_events": "事件数 Events",
    "max_severity": "最高严重程度 Severity",
    "reason_zh": "列入原因 Reason",
    "events": "事件 Events",
    "stars": "星级 Stars",
    "party_score": "党建得分 Party score",
    "business_score": "业务得分 Business score",
    "members": "党员数 Members",
    "member_index_mean": "平均先锋指数 Mean index",
    "all_round": "全能型 All-round",
    "vetoed": "一票否决 Vetoed",
}

#: The exposure (denominator) of each event type in :func:`campaign_counts`.
EXPOSURES: dict[str, str] = {
    "violation": "work_tickets",
    "complaint": "customers",
    "discipline": "headcount",
    "fault": "customers",
}


_PRELOADED: dict[Path, tuple[str, Dataset]] = {}


def _content_sha256(path: Path) -> str:
    from ..store import Store

    with Store.open(path, read_only=True) as store:
        return store.content_sha256()


def preload_store(path: str | os.PathLike[str]) -> None:
    """Read a whole store now, so that :func:`load_store` in reports forked from this
    process returns it at once (a batch reads its store once, not once per report).

    Does nothing when the store is unchanged since it was last preloaded.
    """
    from ..store import read_store

    key = Path(path).resolve()
    sha = _content_sha256(key)
    if key not in _PRELOADED or _PRELOADED[key][0] != sha:
        _PRELOADED[key] = (sha, read_store(key))


def load_store(path: str | os.PathLike[str]) -> Dataset:
    """Every table of the store with all history: :func:`assess.store.read_store`, or the
    copy :func:`preload_store` read in the parent process when the store is unchanged.

    Raises
    ------
    StoreError
        No readable store at ``path``.
    """
    from ..store import read_store

    key = Path(path).resolve()
    if key in _PRELOADED and _PRELOADED[key][0] == _content_sha256(key):
        return _PRELOADED[key][1]
    return read_store(key)


@dataclass(frozen=True)
class UnitInfo:
    """A unit of the organisation tree as a report names it.

    Attributes
    ----------
    code, name : str
    level : str
        ``province``, ``city``, ``county`` or ``branch``.
    path : tuple of str
        Names from the top of the tree down to the unit.
    """

    code: str
    name: str
    level: str
    path: tuple[str, ...]

    @property
    def level_zh(self) -> str:
        """The level in Chinese (市公司, 党支部, ...)."""
        return LEVELS[self.level]


def unit_info(units: pd.DataFrame, code: str) -> UnitInfo:
    """The unit ``code`` of the ``units`` table.

    Raises
    ------
    ReportParameterError
        ``code`` is not in the table.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_code": ["00", "01"], "unit_name": ["省公司", "甲市公司"],
    ...                       "level": ["province", "city"], "parent_code": [None, "00"]})
    >>> unit_info(units, "01")
    UnitInfo(code='01', name='甲市公司', level='city', path=('省公司', '甲市公司'))
    """
    paths = unit_paths(units)
    if code not in paths.index:
        raise ReportParameterError(
            bilingual(
                f"单位编码 {code!r} 不在组织机构表中", f"unit {code!r} is not in the units table"
            )
        )
    row = paths.loc[code]
    names = paths["unit_name"]
    path = tuple(str(names[row[lv]]) for lv in LEVELS if isinstance(row[lv], str))
    return UnitInfo(code, str(row["unit_name"]), str(row["level"]), path)


class _HTML:
    """Something a notebook shows as the given (already escaped) HTML."""

    def __init__(self, markup: str) -> None:
        self._markup = markup

    def _repr_html_(self) -> str:
        return self._markup


def cover(unit: UnitInfo, *, quarter: str | None = None, title: tuple[str, str]) -> _HTML:
    """The cover of a report: unit, its place in the tree, quarter and title.

    Parameters
    ----------
    unit : UnitInfo
    quarter : str, optional
        E.g. ``"2026Q3"``; shown as 2026年第3季度.
    title : (str, str)
        The report's title in Chinese and English.
    """
    e = html.escape
    when_zh = when_en = ""
    if quarter is not None:
        q = parse_quarter(quarter)
        if q is None:
            raise ParameterError("cover", "quarter", "a quarter such as '2026Q3'", quarter)
        when_zh, when_en = f"{q[:4]}年第{q[-1]}季度 · ", f"{q} · "
    return _HTML(
        f'<div class="cover"><p class="unit">{e(" › ".join(unit.path))}'
        f"（{e(unit.level_zh)}，编码 {e(unit.code)}）</p>"
        f"<h2>{e(when_zh)}{e(unit.name)} {e(title[0])}</h2>"
        f"<p>{e(when_en)}{e(title[1])}</p></div>"
    )


def prose(text: str, *, language: str = "zh-en") -> _HTML:
    """Library prose (a ``summary()``: Chinese, blank line, English) as escaped paragraphs.

    Parameters
    ----------
    text : str
    language : {"zh-en", "zh", "en"}, default "zh-en"
        Both parts, or only the Chinese or the English one.

    Examples
    --------
    >>> prose("党员 3 人。" + chr(10) * 2 + "3 members.", language="zh")._repr_html_()
    '<div class="prose-out"><p>党员 3 人。</p></div>'
    """
    check_choice("prose", "language", language, LANGUAGES)
    zh, _, en = text.partition("\n\n")
    shown = {"zh-en": text, "zh": zh, "en": en or zh}[language]
    return _HTML(f'<div class="prose-out">{text_html(shown)}</div>')


def format_value(value: Any) -> str:
    """A number or text as a report shows it in a table.

    Examples
    --------
    >>> format_value(25398), format_value(0.78594), format_value(71.0), format_value(None)
    ('25,398', '0.7859', '71.00', '—')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return "—"
        if abs(number) >= 1000:
            return f"{number:,.0f}"
        return f"{number:.2f}" if abs(number) >= 1 else f"{number:.4g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def table(
    frame: pd.DataFrame,
    *,
    caption: tuple[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    percent: Iterable[str] = (),
    max_rows: int = 30,
) -> _HTML:
    """A table shown escaped, without the row index, cut to ``max_rows`` with a note.

    Columns are headed by ``labels``, else :data:`COLUMN_LABELS`, else their names;
    numeric columns are right-aligned and formatted by :func:`format_value`, shares in
    the ``percent`` columns as percentages.

    Examples
    --------
    >>> html = table(pd.DataFrame({"name": ["<b>"], "index": [91.25]}))._repr_html_()
    >>> "<td>&lt;b&gt;</td>" in html, '<td class="num">91.25</td>' in html
    (True, True)
    """
    e = html.escape
    names = {**COLUMN_LABELS, **(labels or {})}
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        for c in frame.columns
    ]
    cls = ['class="num"' if n else "" for n in numeric]
    head = "".join(
        f"<th {c}>".replace(" >", ">") + e(str(names.get(col, col))) + "</th>"
        for col, c in zip(frame.columns, cls, strict=True)
    )
    shares = [col in set(percent) for col in frame.columns]
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td {c}>".replace(" >", ">") + e(_cell(v, share)) + "</td>"
            for v, c, share in zip(row, cls, shares, strict=True)
        )
        + "</tr>"
        for row in frame.head(max_rows).itertuples(index=False)
    )
    more = (
        ""
        if len(frame) <= max_rows
        else (
            f"<p><em>前 {max_rows} 行，共 {len(frame):,} 行 / first {max_rows} of {len(frame):,} "
            "rows</em></p>"
        )
    )
    caption_html = "" if caption is None else f"<h4>{e(bilingual(*caption))}</h4>"
    return _HTML(
        f'{caption_html}<table class="report-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>{more}"
    )


def _cell(value: Any, share: bool) -> str:
    if share and isinstance(value, float | np.floating) and math.isfinite(value):
        return f"{float(value):.1%}"
    return format_value(value)


@contextlib.contextmanager
def notes() -> Iterator[None]:
    """Show the warnings of the library calls inside the block as a "说明 / Notes" box.

    A report must not print warnings (the runner fails a report with stderr output), but
    what the library recovered from — a comparison group chosen for lack of never-treated
    units, units left out — is part of the result and must reach the reader.
    """
    from IPython.display import display

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    messages = list(dict.fromkeys(str(w.message) for w in caught))
    if messages:
        items = "".join(f"<li>{html.escape(m)}</li>" for m in messages)
        display(_HTML(f'<div class="notes"><h4>说明 / Notes</h4><ul>{items}</ul></div>'))


def campaign_counts(
    dataset: Dataset,
    campaign: str,
    *,
    outcome: str = "complaint",
    units: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Monthly event counts and exposure per unit, and each unit's campaign start.

    Parameters
    ----------
    dataset : Dataset
        Needs ``events``, ``exposure`` and ``campaign``.
    campaign : str
        A ``campaign_id`` of the campaign table.
    outcome : str, default "complaint"
        Event type counted; its exposure column is :data:`EXPOSURES`.
    units : iterable of str, optional
        Restrict to these units (default: every unit of the exposure table).

    Returns
    -------
    (DataFrame, dict)
        Columns ``unit_code``, ``month``, ``count``, ``exposure`` (one row per unit-month
        of the exposure table, zero counts included), and ``{unit_code: start date}``
        for :func:`assess.effect.engine.analyse_effect`.

    Raises
    ------
    ReportParameterError
        Unknown campaign or outcome.
    """
    check_choice("campaign_counts", "outcome", outcome, tuple(EVENT_TYPES))
    rows = dataset.campaign.loc[dataset.campaign["campaign_id"] == campaign]
    if rows.empty:
        known = ", ".join(sorted(set(dataset.campaign["campaign_id"]))) or "—"
        raise ReportParameterError(
            bilingual(
                f"活动表中没有活动 {campaign!r}；已有：{known}",
                f"no campaign {campaign!r}; known: {known}",
            )
        )
    exposure = dataset.exposure[["unit_code", "month", EXPOSURES[outcome]]].rename(
        columns={EXPOSURES[outcome]: "exposure"}
    )
    if units is not None:
        exposure = exposure.loc[exposure["unit_code"].isin(set(units))]
    events = dataset.events.loc[dataset.events["type"] == outcome]
    counts = (
        events.assign(month=events["date"].dt.strftime("%Y-%m"))
        .groupby(["unit_code", "month"])
        .size()
        .rename("count")
    )
    table_ = exposure.join(counts, on=["unit_code", "month"])
    table_["count"] = table_["count"].fillna(0).astype("int64")
    table_["exposure"] = table_["exposure"].astype("float64")
    starts = {
        str(u): pd.Timestamp(d).date().isoformat()
        for u, d in zip(rows["unit_code"], rows["start_date"], strict=True)
        if u in set(table_["unit_code"])
    }
    return table_[["unit_code", "month", "count", "exposure"]].reset_index(drop=True), starts
