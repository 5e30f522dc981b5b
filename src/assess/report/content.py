"""Building blocks for templates: covers, prose and tables shown escaped, and the parts of
the campaign effect report.

Templates stay thin (load → compute → render); these helpers turn library results into
what a reader sees, with every character from data escaped.
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assess.core.checks import check_choice, check_quarter
from assess.core.dataset import Dataset
from assess.core.display import text_html
from assess.core.errors import bilingual
from assess.core.formatting import MISSING, number, p_value, percent
from assess.core.glossary import LANGUAGES, TERMS, check_language, term
from assess.core.schema import EVENT_EXPOSURE, EVENT_TYPES, LEVELS, TABLES
from assess.core.units import unit_paths
from assess.report.errors import ReportParameterError

if TYPE_CHECKING:
    from assess.effect.campaign import CampaignResult
    from assess.effect.engine import EffectResult

__all__ = [
    "UnitInfo",
    "load_store",
    "preload_store",
    "unit_info",
    "cover",
    "prose",
    "table",
    "notes",
    "CampaignInfo",
    "campaign_info",
    "campaign_cover",
    "effect_overview",
    "effect_headline",
    "effect_verdict",
    "falsification_table",
    "note_box",
    "OVERVIEW_LABELS",
    "FALSIFICATION_LABELS",
    "format_value",
    "LANGUAGES",
    "COLUMN_TERMS",
    "pick",
    "words",
    "check_language",
    "cell_float",
]

#: Columns whose glossary key is not their name (:func:`table` heads the others by the
#: term of their own name, when the glossary has one).
COLUMN_TERMS: dict[str, str] = {
    "index": "pioneer_index",
    "reason_zh": "reason",
    "index_yoy": "yoy",
    "index_qoq": "qoq",
}

_PRELOADED: dict[Path | str, tuple[str, Dataset]] = {}


def _store_key(path: str | os.PathLike[str]) -> Path | str:
    """A store file resolved, or a server URL as given."""
    if isinstance(path, str) and "://" in path:
        return path
    return Path(path).resolve()


def _content_sha256(path: Path | str) -> str:
    from assess.io.store import Store

    with Store.open(path, read_only=True) as store:
        return store.content_sha256()


def preload_store(path: str | os.PathLike[str]) -> None:
    """Read a whole store now, so that :func:`load_store` in reports forked from this
    process returns it at once (a batch reads its store once, not once per report).

    Does nothing when the store is unchanged since it was last preloaded.
    """
    from assess.io.store import read_store

    key = _store_key(path)
    sha = _content_sha256(key)
    if key not in _PRELOADED or _PRELOADED[key][0] != sha:
        _PRELOADED[key] = (sha, read_store(key))


def load_store(path: str | os.PathLike[str]) -> Dataset:
    """Every table of the store with all history: :func:`assess.io.store.read_store`, or the
    copy :func:`preload_store` read in the parent process when the store is unchanged.

    Raises
    ------
    StoreError
        No readable store at ``path``.
    """
    from assess.io.store import read_store

    key = _store_key(path)
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


def words(value: str | tuple[str, str]) -> tuple[str, str]:
    """A (Chinese, English) pair given as itself or by its glossary key, so templates
    name their titles and captions by key (:data:`assess.core.glossary.TERMS`).

    Examples
    --------
    >>> words("caption_key_figures"), words(("关键指标", "Key figures"))
    (('关键指标', 'Key figures'), ('关键指标', 'Key figures'))
    """
    if isinstance(value, str):
        return term(value, "zh"), term(value, "en")
    return value


def cover(unit: UnitInfo, *, quarter: str | None = None, title: str | tuple[str, str]) -> _HTML:
    """The cover of a report: unit, its place in the tree, quarter and title.

    Parameters
    ----------
    unit : UnitInfo
    quarter : str, optional
        E.g. ``"2026Q3"``; shown as 2026年第3季度.
    title : str or (str, str)
        The report's title: a glossary key (``"report_exam"``) or Chinese and English.
    """
    e = html.escape
    title = words(title)
    when_zh = when_en = ""
    if quarter is not None:
        q = check_quarter("cover", quarter)
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
    check_language("prose", language)
    zh, _, en = text.partition("\n\n")
    shown = {"zh-en": text, "zh": zh, "en": en or zh}[language]
    return _HTML(f'<div class="prose-out">{text_html(shown)}</div>')


def format_value(value: Any) -> str:
    """A number or text as a report shows it in a table (numbers by
    :func:`assess.core.formatting.number`).

    Integers are shown whole with thousands separators; floats with two decimals, four
    below 1 (shares, correlations) and none from 1,000 on.

    Examples
    --------
    >>> format_value(25398), format_value(0.78594), format_value(71.0), format_value(None)
    ('25,398', '0.7859', '71.00', '—')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, int | np.integer):
        return number(int(value))
    if isinstance(value, float | np.floating):
        size = abs(float(value))
        return number(float(value), 0 if size >= 1000 else 2 if size >= 1 else 4)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _heading(
    column: str, labels: Mapping[str, str], terms: Mapping[str, str], language: str
) -> str:
    """The heading of ``column``: its label, else the term of its glossary key, else its name."""
    if column in labels:
        return labels[column]
    key = terms.get(column, COLUMN_TERMS.get(column, column))
    return term(key, language) if key in TERMS else column


def table(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    caption: str | tuple[str, str] | None = None,
    terms: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    percent: Iterable[str] = (),
    max_rows: int = 30,
    language: str = "zh-en",
) -> _HTML:
    """A table shown escaped, without the row index, cut to ``max_rows`` with a note.

    Columns are headed by ``labels``, else by the glossary term
    (:func:`assess.core.glossary.term`) of their key in ``terms``, in
    :data:`COLUMN_TERMS` or of their own name, else by their name; numeric columns are
    right-aligned and formatted by :func:`format_value`, shares in the ``percent``
    columns as percentages (:func:`assess.core.formatting.percent`).

    Parameters
    ----------
    frame : DataFrame
    columns : sequence of str, optional
        The columns shown, in this order (default: all).
    caption : str or (str, str), optional
        The caption: a glossary key, or Chinese and English.
    terms : mapping of str to str, optional
        Column → glossary key, for columns whose name is not their key.
    labels : mapping of str to str, optional
        Column → heading text, for headings made at run time.
    percent : iterable of str
        Columns of shares (0–1).
    max_rows : int, default 30
    language : {"zh", "en", "zh-en"}, default "zh-en"
        Language of the headings.

    Examples
    --------
    >>> html = table(pd.DataFrame({"name": ["<b>"], "index": [91.25]}))._repr_html_()
    >>> "<td>&lt;b&gt;</td>" in html, '<td class="num">91.25</td>' in html
    (True, True)
    >>> zh = table(pd.DataFrame({"index": [1.0]}), language="zh")._repr_html_()
    >>> '<th class="num">先锋指数</th>' in zh
    True
    """
    check_language("table", language)
    e = html.escape
    if columns is not None:
        frame = frame[list(columns)]
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        for c in frame.columns
    ]
    cls = ['class="num"' if n else "" for n in numeric]
    head = "".join(
        f"<th {c}>".replace(" >", ">")
        + e(_heading(str(col), labels or {}, terms or {}, language))
        + "</th>"
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
            f"<p><em>前 {max_rows} 行，共 {number(len(frame))} 行 / first {max_rows} of "
            f"{number(len(frame))} rows</em></p>"
        )
    )
    caption_html = "" if caption is None else f"<h4>{e(bilingual(*words(caption)))}</h4>"
    return _HTML(
        f'{caption_html}<table class="report-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>{more}"
    )


def _cell(value: Any, share: bool) -> str:
    if share and isinstance(value, float | np.floating) and math.isfinite(value):
        return percent(float(value))
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
    messages = [str(w.message) for w in caught]
    if messages:
        display(note_box(messages))


def note_box(messages: Iterable[str], *, language: str = "zh-en") -> _HTML:
    """Bilingual messages (``"中文 / English"``) as a "说明 / Notes" box; empty without any.

    Parameters
    ----------
    messages : iterable of str
        Shown once each, in order.
    language : {"zh-en", "zh", "en"}, default "zh-en"
        Both parts of each message, or only one.

    Examples
    --------
    >>> note_box(["少了一个单位 / one unit left out"], language="zh")._repr_html_()
    '<div class="notes"><h4>说明 / Notes</h4><ul><li>少了一个单位</li></ul></div>'
    >>> note_box([])._repr_html_()
    ''
    """
    check_language("note_box", language)
    items = []
    for message in dict.fromkeys(messages):
        zh, _, en = message.partition(" / ")
        parts = [zh, en] if language == "zh-en" and en else [pick((zh, en), language)]
        items.append("<li>" + "<br>".join(html.escape(p) for p in parts) + "</li>")
    if not items:
        return _HTML("")
    return _HTML(f'<div class="notes"><h4>说明 / Notes</h4><ul>{"".join(items)}</ul></div>')


def pick(pair: tuple[str, str], language: str) -> str:
    """The Chinese of a (zh, en) pair, or the English one for ``language="en"``.

    Examples
    --------
    >>> pick(("违章", "violations"), "en"), pick(("违章", "violations"), "zh-en")
    ('violations', '违章')
    """
    return (pair[1] or pair[0]) if language == "en" else pair[0]


def cell_float(value: Any) -> float:
    """A number from a table cell (a numpy or pandas scalar) as a float."""
    return float(np.asarray(value, dtype=float))


@dataclass(frozen=True)
class CampaignInfo:
    """A campaign of the ``campaign`` table as a report names it.

    Attributes
    ----------
    campaign_id, name : str
    n_units : int
        Units the campaign starts in.
    starts : tuple of (str, int)
        Each start date (ISO) with the number of units starting then, earliest first.
    """

    campaign_id: str
    name: str
    n_units: int
    starts: tuple[tuple[str, int], ...]

    @property
    def label(self) -> str:
        """The name, then the id in brackets: ``三无三当（SWSD2025）``; the id alone when the
        campaign has no other name."""
        if self.name in ("", self.campaign_id):
            return self.campaign_id
        return f"{self.name}（{self.campaign_id}）"


def campaign_info(campaign: pd.DataFrame, campaign_id: str) -> CampaignInfo:
    """The campaign ``campaign_id`` of the ``campaign`` table.

    Raises
    ------
    ReportParameterError
        ``campaign_id`` is not in the table (the message lists those that are).

    Examples
    --------
    >>> table = pd.DataFrame({"campaign_id": ["SWSD2025"] * 3, "campaign_name": ["三无三当"] * 3,
    ...                       "unit_code": ["0101", "0102", "0103"],
    ...                       "start_date": pd.to_datetime(["2025-05-01", "2026-05-01",
    ...                                                     "2025-05-01"])})
    >>> info = campaign_info(table, "SWSD2025")
    >>> info.label, info.n_units, info.starts
    ('三无三当（SWSD2025）', 3, (('2025-05-01', 2), ('2026-05-01', 1)))
    """
    rows = campaign.loc[campaign["campaign_id"] == campaign_id]
    if rows.empty:
        known = ", ".join(sorted(map(str, set(campaign["campaign_id"])))) or "—"
        raise ReportParameterError(
            bilingual(
                f"活动表中没有活动 {campaign_id!r}；已有：{known}",
                f"no campaign {campaign_id!r}; known: {known}",
            )
        )
    names = rows["campaign_name"].dropna().astype(str)
    per_date = pd.to_datetime(rows["start_date"]).dt.strftime("%Y-%m-%d").value_counts()
    return CampaignInfo(
        campaign_id=str(campaign_id),
        name=names.iloc[0] if len(names) else "",
        n_units=int(rows["unit_code"].nunique()),
        starts=tuple((str(d), int(n)) for d, n in per_date.sort_index().items()),
    )


def _date_zh(iso: str) -> str:
    day = pd.Timestamp(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def campaign_cover(info: CampaignInfo, *, title: str | tuple[str, str]) -> _HTML:
    """The cover of a campaign report: name (id), the report's title (a glossary key, or
    Chinese and English), units and start dates.

    Examples
    --------
    >>> info = CampaignInfo("SWSD2025", "三无三当", 24, (("2025-05-01", 12), ("2026-05-01", 12)))
    >>> page = campaign_cover(info, title=("活动成效分析报告", "Effect report"))._repr_html_()
    >>> "<h2>三无三当（SWSD2025）活动成效分析报告</h2>" in page
    True
    >>> "分 2 批开始：2025年5月1日起 12 个，2026年5月1日起 12 个" in page
    True
    """
    e = html.escape
    title = words(title)
    batches_zh = "，".join(f"{_date_zh(d)}起 {n:,} 个" for d, n in info.starts)
    batches_en = ", ".join(f"{n:,} from {d}" for d, n in info.starts)
    if len(info.starts) > 1:
        when_zh = f"分 {len(info.starts)} 批开始：{batches_zh}"
        when_en = f"in {len(info.starts)} cohorts: {batches_en}"
    else:
        when_zh, when_en = f"同时开始：{batches_zh}", f"all starting together: {batches_en}"
    return _HTML(
        f'<div class="cover"><p class="unit">活动编号 {e(info.campaign_id)} · '
        f"{info.n_units:,} 个单位参加，{e(when_zh)}</p>"
        f"<h2>{e(info.label)}{e(title[0])}</h2>"
        f"<p>{e(title[1])}: {e(info.name or info.campaign_id)} ({e(info.campaign_id)}) · "
        f"{info.n_units:,} units, {e(when_en)}</p></div>"
    )


#: Glossary key of each column of :func:`effect_overview`.
_OVERVIEW_TERMS: dict[str, str] = {
    "outcome": "outcome",
    "naive_before": "naive_before",
    "naive_after": "naive_after",
    "naive_change": "naive_change",
    "change": "design_change",
    "interval": "interval",
    "p_value": "p_value",
    "p_adjusted": "p_adjusted",
    "evidence": "evidence",
    "checks": "checks",
}

#: Headings of the columns of :func:`effect_overview`.
OVERVIEW_LABELS: dict[str, str] = {c: term(k, "zh-en") for c, k in _OVERVIEW_TERMS.items()}

_EVIDENCE: dict[str, tuple[str, str]] = {
    k: TERMS[f"evidence_{k}"] for k in ("decrease", "increase", "inconclusive")
}


def _signed_pct(ratio: float, digits: int) -> str:
    """A rate ratio as a signed per-cent change: ``-28.57%``, ``+17.3%``; ``—`` if unknown."""
    if not math.isfinite(ratio):
        return MISSING
    return percent(ratio - 1, digits, signed=True)


def _checks_cell(effect: EffectResult, language: str) -> str:
    from assess.effect.falsification import CHECKS

    checks = effect.falsification
    if checks is None:
        return pick(("未做", "not run"), language)
    table = checks.table
    warned = table.loc[table["status"] == "warn", "check"].tolist()
    if warned:
        names = [pick(CHECKS[c], language) for c in warned]
        return pick(
            (
                f"{len(warned)} 项警示（{'、'.join(names)}）",
                f"{len(warned)} warning(s) ({', '.join(names)})",
            ),
            language,
        )
    if (table["status"] == "skipped").all():
        return pick(("均无法进行", "none could be run"), language)
    return pick(("未发现问题", "no problem found"), language)


def _and(items: Iterable[str]) -> str:
    """English enumeration: ``a``, ``a and b``, ``a, b and c``."""
    words = list(items)
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def _overview_note(result: CampaignResult, language: str) -> str:
    """How each outcome's rate is formed and which design estimated it, in one paragraph."""
    from assess.effect.verdict import DESIGNS, OUTCOMES

    exposure_zh = {c.name: c.zh for c in TABLES["exposure"].columns}
    per_zh = "，".join(
        f"{OUTCOMES[o][0]}按{exposure_zh[EVENT_EXPOSURE[o]]}" for o in result.results
    )
    per_en = _and(
        f"{OUTCOMES[o][1]} over {EVENT_EXPOSURE[o].replace('_', ' ')}" for o in result.results
    )
    designs: dict[str, list[str]] = {}
    for outcome, effect in result.results.items():
        designs.setdefault(effect.design, []).append(outcome)
    how_zh = "；".join(
        f"{'、'.join(OUTCOMES[o][0] for o in outs)}用{DESIGNS[d][0]}" for d, outs in designs.items()
    )
    how_en = "; ".join(
        f"{DESIGNS[d][1]} for {_and(OUTCOMES[o][1] for o in outs)}" for d, outs in designs.items()
    )
    level_zh = LEVELS.get(result.level, result.level)
    text = (
        f"事件率的计算基数：{per_zh}。研究设计：{how_zh}，按{level_zh}汇总。\n\n"
        f"Rates: {per_en}. Design: {how_en}, by {result.level}."
    )
    return prose(text, language=language)._repr_html_()


def effect_headline(result: CampaignResult) -> dict[str, Any]:
    """The effect report's figures for the batch index, as keyword arguments of
    :func:`~assess.report.results.publish_key_results`.

    Per outcome: the naive 同比 change, the design-based change (rate ratio − 1) and its
    p-value, under keys such as ``complaint_naive_change``, ``complaint_change`` and
    ``complaint_p_value``; changes are shares (−0.27 is a 27% fall). The index shows
    ``complaint_estimate`` first: the design-based change with its interval and the
    verdict's words (``-5.1%（95% 区间 -20.3% 至 +12.0%）：…``), as the report prints
    them, then the naive change beside it — never the naive figure alone.
    """
    results: dict[str, float | str | None] = {}
    labels: dict[str, str] = {}
    percent: list[str] = []
    for outcome, effect in result.results.items():
        zh = EVENT_TYPES.get(outcome, outcome)
        low, high = _signed_pct(effect.ci_low, 1), _signed_pct(effect.ci_high, 1)
        conf = f"{effect.confidence * 100:g}%"
        evidence = _EVIDENCE[effect.verdict.evidence]
        name = f"{outcome}_estimate"
        results[name] = (
            f"{_signed_pct(effect.estimate, 1)}（{conf} 区间 {low} 至 {high}），{evidence[0]} / "
            f"{_signed_pct(effect.estimate, 1)} ({conf} interval {low} to {high}), {evidence[1]}"
        )
        labels[name] = f"{zh}设计估计与结论 {outcome.capitalize()} estimate and verdict"
        for key, value, zh_label, en_label in (
            ("naive_change", effect.naive_ratio - 1, "简单同比", "naive YoY"),
            ("change", effect.estimate - 1, "设计估计", "estimate"),
            ("p_value", effect.p_value, "p 值", "p"),
        ):
            name = f"{outcome}_{key}"
            results[name] = float(value) if math.isfinite(value) else None
            labels[name] = f"{zh}{zh_label} {outcome.capitalize()} {en_label}"
            if key != "p_value":
                percent.append(name)
    outcomes = list(result.results)
    index = [f"{o}_estimate" for o in outcomes] + [f"{o}_naive_change" for o in outcomes]
    return {"results": results, "labels": labels, "percent": percent, "index": index}


def effect_overview(result: CampaignResult, *, language: str = "zh-en") -> _HTML:
    """Per outcome, the naive year-on-year figure beside the design-based estimate.

    One row per outcome: the event counts of the campaign units in the first year from
    their start and in the same months a year earlier with their bare change (what a
    hand-made report quotes), then the design-based change with its interval, the p-value
    raw and adjusted over the outcomes (Benjamini–Hochberg), the verdict's evidence and
    the falsification checks; below it, each outcome's exposure and design. Changes are
    ``(rate ratio − 1)``, with two decimals for the naive figure and one for the estimate,
    as the verdict quotes them.

    Parameters
    ----------
    result : CampaignResult
    language : {"zh-en", "zh", "en"}, default "zh-en"
        Words in the cells in Chinese (``"zh-en"``, ``"zh"``) or English; headings are
        always bilingual.
    """
    from assess.effect.verdict import OUTCOMES

    check_language("effect_overview", language)
    adjusted = result.table["p_adjusted"].astype(float).to_dict()
    rows = []
    for outcome, effect in result.results.items():
        low, high = _signed_pct(effect.ci_low, 1), _signed_pct(effect.ci_high, 1)
        rows.append(
            {
                "outcome": pick(OUTCOMES[outcome], language),
                "naive_before": int(effect.naive_before),
                "naive_after": int(effect.naive_after),
                "naive_change": _signed_pct(effect.naive_ratio, 2),
                "change": _signed_pct(effect.estimate, 1),
                "interval": pick((f"{low} 至 {high}", f"{low} to {high}"), language),
                "p_value": p_value(effect.p_value),
                "p_adjusted": p_value(adjusted[outcome]),
                "evidence": pick(_EVIDENCE[effect.verdict.evidence], language),
                "checks": _checks_cell(effect, language),
            }
        )
    confidence = {f"{e.confidence * 100:g}%" for e in result.results.values()}
    labels = dict(OVERVIEW_LABELS)
    if len(confidence) == 1:
        conf = confidence.pop()
        words = TERMS["interval"]
        labels["interval"] = f"{conf} {words.zh} {conf} {words.en.lower()}"
    shown = table(
        pd.DataFrame(rows, columns=list(OVERVIEW_LABELS)),
        caption=("简单同比与设计估计", "naive year-on-year beside the design-based estimate"),
        labels=labels,
    )
    return _HTML(shown._repr_html_() + _overview_note(result, language))


def effect_verdict(outcome: str, effect: EffectResult, *, language: str = "zh-en") -> _HTML:
    """A heading naming ``outcome`` and its verdict in prose.

    Parameters
    ----------
    outcome : str
        The event type (``"complaint"``, ...), a key of ``CampaignResult.results``.
    effect : EffectResult
    language : {"zh-en", "zh", "en"}, default "zh-en"
    """
    from assess.effect.verdict import OUTCOMES

    check_choice("effect_verdict", "outcome", outcome, tuple(OUTCOMES))
    zh, en = OUTCOMES[outcome]
    return _HTML(
        f"<h3>{html.escape(bilingual(zh, en.capitalize()))}</h3>"
        + prose(effect.verdict.text, language=language)._repr_html_()
    )


#: Headings of the columns of :func:`falsification_table`.
FALSIFICATION_LABELS: dict[str, str] = {
    c: term(k, "zh-en")
    for c, k in {
        "check": "check",
        "purpose": "purpose",
        "status": "result",
        "detail": "detail",
    }.items()
}


def falsification_table(outcome: str, effect: EffectResult, *, language: str = "zh-en") -> _HTML:
    """The falsification checks of one outcome as a table, then one sentence saying
    whether any of them contradicts the estimate
    (:meth:`~assess.effect.falsification.FalsificationResult.reading`).

    Parameters
    ----------
    outcome : str
        The event type, for the caption.
    effect : EffectResult
    language : {"zh-en", "zh", "en"}, default "zh-en"
        Words in the cells in Chinese or English; the reading in both or one.
    """
    from assess.effect.falsification import PURPOSES, STATUSES
    from assess.effect.verdict import OUTCOMES

    check_choice("falsification_table", "outcome", outcome, tuple(OUTCOMES))
    check_language("falsification_table", language)
    zh, en = OUTCOMES[outcome]
    checks = effect.falsification
    if checks is None:
        return prose(
            f"{zh}：本设计不做证伪检验。\n\n"
            f"{en.capitalize()}: this design runs no falsification checks.",
            language=language,
        )
    rows = [
        {
            "check": pick((r["name_zh"], r["name_en"]), language),
            "purpose": pick(PURPOSES[r["check"]], language),
            "status": pick(STATUSES[r["status"]], language),
            "detail": pick((r["detail_zh"], r["detail_en"]), language),
        }
        for r in checks.table.to_dict("records")
    ]
    shown = table(
        pd.DataFrame(rows, columns=list(FALSIFICATION_LABELS)),
        caption=(f"{zh}：证伪检验", f"{en}: falsification checks"),
        labels=FALSIFICATION_LABELS,
    )
    return _HTML(shown._repr_html_() + prose(checks.reading(), language=language)._repr_html_())
