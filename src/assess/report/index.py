"""The ``index.html`` of a batch: every report with its status, key figures and links.

Self-contained like the reports (inline CSS, embedded font cut, no script), rendered from
the Jinja2 template ``html/assess/batch_index.html.j2`` with autoescape on, so everything
that comes from data or parameters is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from assess.core.formatting import number as format_number
from assess.core.formatting import p_value, percent
from assess.report.content import format_value
from assess.report.provenance import time_label
from assess.report.render import FONT_MARK, check_self_contained, embed_font
from assess.report.runner import STATUSES, ReportResult

__all__ = ["MAX_FIGURES", "index_html"]

#: Key figures shown per report at most (the first numeric results in publishing order).
MAX_FIGURES = 6

_LINKS = (
    ("html", "网页 HTML"),
    ("docx", "Word"),
    ("pdf", "PDF"),
    ("json", "JSON"),
    ("ipynb", "笔记本 ipynb"),
    ("failed_ipynb", "出错的笔记本 failed ipynb"),
)

# Beside the report page's template, whose stylesheet it includes. StrictUndefined: a
# misspelt name fails loudly instead of leaving a silent gap in the page.
_PAGE = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("html") / "assess"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
).get_template("batch_index.html.j2")


def _figure_keys(reports: Sequence[ReportResult]) -> tuple[list[str], dict[str, str], set[str]]:
    """The figures shown: the keys a report names for the index (``index`` of
    :func:`~assess.report.results.publish_key_results`), else its first scalar numbers."""
    keys: list[str] = []
    labels: dict[str, str] = {}
    percent: set[str] = set()
    for report in reports:
        labels.update(report.key_results.get("labels") or {})
        percent.update(report.key_results.get("percent") or [])
        named = report.key_results.get("index")
        if named is not None:
            keys += [k for k in named if k not in keys]
            continue
        for key, value in report.results.items():
            if key not in keys and isinstance(value, int | float) and not isinstance(value, bool):
                keys.append(key)
    return keys[:MAX_FIGURES], labels, percent


def _figure(key: str, value: Any, as_percent: bool, decimals: int | None = None) -> str:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if as_percent and number:
        return percent(value)
    if number and decimals is not None and isinstance(value, float):
        # As the report prints it (e.g. the mean index with one decimal).
        return format_number(value, decimals)
    if number and key.endswith("p_value"):
        # As statistics reports write them ("< 0.001"), not 2.189e-24.
        return p_value(value)
    return format_value(value)


def _group(heading: str | None, reports: Sequence[ReportResult]) -> dict[str, Any]:
    """The table of some reports of one template, with that template's key figures."""
    keys, labels, percent = _figure_keys([r for r in reports if r.status != "failed"])
    rows = []
    for r in sorted(reports, key=lambda r: r.stem):
        zh, en = STATUSES[r.status]
        failed = r.status == "failed"
        html_file = r.files.get("html")
        rows.append(
            {
                "status": r.status,
                "name": r.key_results.get("title") or r.stem,
                "href": html_file.name if html_file and not failed else None,
                "params": ", ".join(
                    f"{k}={v}"
                    for k, v in r.parameters.items()
                    if k in ("quarter", "unit", "campaign")
                ),
                "error": (r.error or "") if failed else None,
                "zh": zh,
                "en": en,
                # A failed report published nothing: its figure cells stay empty.
                "figures": [
                    None
                    if failed
                    else _figure(
                        k, r.results.get(k), k in percent, r.key_results.get("decimals", {}).get(k)
                    )
                    for k in keys
                ],
                # A failed report's notebook sits in its own folder (runner.FAILED_DIR).
                "links": [
                    (
                        f"{r.files[k].parent.name}/{r.files[k].name}"
                        if failed
                        else r.files[k].name,
                        text,
                    )
                    for k, text in _LINKS
                    if k in r.files
                ],
            }
        )
    return {"heading": heading, "labels": [labels.get(k, k) for k in keys], "rows": rows}


def index_html(
    reports: Sequence[ReportResult], *, title: str, out_dir: Path, generated_at: str | None = None
) -> str:
    """The index page of a batch (links relative to ``out_dir``).

    One table per template (with its heading when the batch mixes templates), each with
    the key figures that template's reports publish.
    """
    when = time_label(generated_at or dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    groups: dict[str, list[ReportResult]] = {}
    for r in reports:
        groups.setdefault(r.template, []).append(r)
    mixed = len(groups) > 1
    page = _PAGE.render(
        title=title,
        out_dir=str(out_dir),
        generated=when,
        font_mark=FONT_MARK,
        total=len(reports),
        counts={s: sum(r.status == s for r in reports) for s in STATUSES},
        groups=[_group(t if mixed and t else None, members) for t, members in groups.items()],
    )
    page = embed_font(page)
    check_self_contained(page)
    return page
