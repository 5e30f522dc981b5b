"""The ``index.html`` of a batch: every report with its status, key figures and links.

Self-contained like the reports (inline CSS, embedded font cut, no script) and built
with :func:`html.escape` on everything that comes from data or parameters.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assess.effect.verdict import format_p
from assess.report.content import format_value
from assess.report.provenance import time_label
from assess.report.render import FONT_MARK, check_self_contained, embed_font, page_css
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


def _figure_keys(reports: Sequence[ReportResult]) -> tuple[list[str], dict[str, str], set[str]]:
    keys: list[str] = []
    labels: dict[str, str] = {}
    percent: set[str] = set()
    for report in reports:
        labels.update(report.key_results.get("labels") or {})
        percent.update(report.key_results.get("percent") or [])
        for key, value in report.results.items():
            if key not in keys and isinstance(value, int | float) and not isinstance(value, bool):
                keys.append(key)
    return keys[:MAX_FIGURES], labels, percent


def _figure(key: str, value: Any, as_percent: bool) -> str:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if as_percent and number:
        return f"{value:.1%}"
    if number and key.endswith("p_value"):
        # As statistics reports write them ("< 0.001"), not 2.189e-24.
        return format_p(value).removeprefix("p ").removeprefix("= ")
    return format_value(value)


def _table(reports: Sequence[ReportResult]) -> str:
    """The rows of some reports of one template, with that template's key figures."""
    e = html.escape
    keys, labels, percent = _figure_keys([r for r in reports if r.status != "failed"])
    head = "".join(f'<th class="num">{e(labels.get(k, k))}</th>' for k in keys)
    rows = []
    for r in sorted(reports, key=lambda r: r.stem):
        zh, en = STATUSES[r.status]
        name = r.key_results.get("title") or r.stem
        html_file = r.files.get("html")
        name_cell = (
            f'<a href="{e(html_file.name)}">{e(name)}</a>'
            if html_file and r.status != "failed"
            else e(name)
        )
        figures = "".join(
            f'<td class="num">{e(_figure(k, r.results.get(k), k in percent))}</td>'
            if r.status != "failed"
            else "<td></td>"
            for k in keys
        )
        links = " · ".join(
            f'<a href="{e(r.files[k].name)}">{e(text)}</a>' for k, text in _LINKS if k in r.files
        )
        error = f'<div class="error">{e(r.error or "")}</div>' if r.status == "failed" else ""
        params = ", ".join(
            f"{k}={v}" for k, v in r.parameters.items() if k in ("quarter", "unit", "campaign")
        )
        rows.append(
            f'<tr class="{e(r.status)}"><td>{name_cell}<div class="params">{e(params)}</div>'
            f'{error}</td><td class="status">{e(zh)}<br><small>{e(en)}</small></td>{figures}'
            f'<td class="links">{links}</td></tr>'
        )
    return (
        '<table class="index">\n'
        f"<thead><tr><th>报告 Report</th><th>状态 Status</th>{head}<th>文件 Files</th></tr></thead>"
        f"\n<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table>"
    )


def index_html(
    reports: Sequence[ReportResult], *, title: str, out_dir: Path, generated_at: str | None = None
) -> str:
    """The index page of a batch (links relative to ``out_dir``).

    One table per template (with its heading when the batch mixes templates), each with
    the key figures that template's reports publish.
    """
    e = html.escape
    counts = {s: sum(r.status == s for r in reports) for s in STATUSES}
    when = time_label(generated_at or dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    groups: dict[str, list[ReportResult]] = {}
    for r in reports:
        groups.setdefault(r.template, []).append(r)
    tables = [
        (f"<h2>{e(template)}</h2>" if len(groups) > 1 and template else "") + _table(members)
        for template, members in groups.items()
    ]
    css = page_css()
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>
{FONT_MARK}
{css}
tr.failed td {{ background: #fff1f0; }}
td.status {{ text-align: left; white-space: nowrap; }}
td.links {{ text-align: left; font-size: .85rem; }}
.params {{ color: var(--muted); font-size: .8rem; }}
.error {{ color: var(--accent); font-size: .85rem; max-width: 36rem; white-space: pre-wrap; }}
</style>
</head>
<body>
<main class="report">
<header class="banner">
<p class="kicker">{e(str(out_dir))}</p>
<p class="assess-generated">生成时间 / Generated: {e(when)}</p>
</header>
<h1>{e(title)}</h1>
<p>共 {len(reports)} 份报告：新生成 {counts["ok"]} 份，未变沿用 {counts["skipped"]} 份，
失败 {counts["failed"]} 份。
{len(reports)} reports: {counts["ok"]} written, {counts["skipped"]} unchanged and kept,
{counts["failed"]} failed.</p>
{chr(10).join(tables)}
</main>
</body>
</html>
"""
    page = embed_font(page)
    check_self_contained(page)
    return page
