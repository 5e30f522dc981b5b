"""The whole quarterly job in one call: validate and import, score, analyse the campaign,
analyse the exam, render the reports — what ``assess run`` does.

Every step writes into ``out_dir/<quarter>/`` and into the store; nothing already
saved is overwritten unless ``overwrite=True`` (files) or ``replace=True`` (the store).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assess.core.display import ResultDisplay
from assess.core.errors import InputError, bilingual

__all__ = ["RunSummary", "run_quarter"]


_NAMES = {
    "appraisal": ("季度考评工作簿", "appraisal workbook"),
    "exam": ("每季一考工作簿", "exam workbook"),
    "effect": ("成效分析结果", "effect analysis (JSON)"),
    "reports": ("报告目录", "report index"),
}


@dataclass(frozen=True)
class RunSummary(ResultDisplay):
    """What :func:`run_quarter` did and where its outputs are."""

    quarter: str
    store: Path | str
    out_dir: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    lines: tuple[str, ...] = ()
    failed_reports: tuple[str, ...] = ()
    _title = "季度全流程 / Quarterly run"

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {"output": list(self.outputs), "path": [str(p) for p in self.outputs.values()]}
        )

    def summary(self) -> str:
        """Where everything is, Chinese then English."""
        zh = "\n".join(f"  {_NAMES[k][0]}：{p}" for k, p in self.outputs.items())
        en = "\n".join(f"  {_NAMES[k][1]}: {p}" for k, p in self.outputs.items())
        failed_zh = failed_en = ""
        if self.failed_reports:
            names = ", ".join(self.failed_reports)
            failed_zh = f"\n有 {len(self.failed_reports)} 份报告失败：{names}"
            failed_en = f"\n{len(self.failed_reports)} reports failed: {names}"
        return (
            f"{self.quarter} 全流程完成。数据库：{self.store}\n输出：\n{zh}{failed_zh}\n\n"
            f"{self.quarter} done. Store: {self.store}\nOutputs:\n{en}{failed_en}"
        )


def _say(lines: list[str], echo: Callable[[str], None] | None, text: str) -> None:
    lines.append(text)
    if echo is not None:
        echo(text)


def _check_free(paths: list[Path], overwrite: bool) -> None:
    # Checked before any work, so a refused run leaves nothing half done.
    taken = [p for p in paths if p.exists()]
    if taken and not overwrite:
        names = "、".join(str(p) for p in taken)
        raise InputError(
            bilingual(
                f"输出文件已存在：{names}；如需覆盖请加 --overwrite",
                f"outputs already exist: {', '.join(map(str, taken))}; pass --overwrite to replace",
            )
        )


def run_quarter(
    inputs: str | os.PathLike[str],
    *,
    store: str | os.PathLike[str],
    quarter: str,
    out_dir: str | os.PathLike[str] = "reports",
    replace: bool = False,
    overwrite: bool = False,
    reports: bool = True,
    level: str = "city",
    workers: int | None = None,
    seed: int = 2026,
    note: str = "",
    scheme: str | os.PathLike[str] | None = None,
    echo: Callable[[str], None] | None = None,
) -> RunSummary:
    """Validate and import ``inputs``, then score, analyse and report ``quarter``.

    Parameters
    ----------
    inputs : path
        A folder of CSV files or a workbook (see ``DATA.md``).
    store : path
        The DuckDB store (created when missing).
    quarter : str
        The quarter to appraise, e.g. ``"2026Q3"``.
    out_dir : path, default "reports"
        Outputs go to ``out_dir/<quarter>/``.
    replace : bool, default False
        Allow changed data for an imported quarter and a changed published appraisal
        (earlier revisions stay readable).
    overwrite : bool, default False
        Replace output files that already exist.
    reports : bool, default True
        Render the HTML reports (quarterly per unit at ``level``, effect, exam).
    level : {"city", "county", "branch"}, default "city"
        Units that get a quarterly report.
    workers : int, optional
        Report worker processes (default: the number of CPUs).
    seed : int, default 2026
        The one seed of every random draw of the run: the campaign analysis (placebo
        units, randomisation inference, bootstrap) and every report's ``seed`` parameter
        (rank robustness, the effect report), so the run gives one answer to each
        question; recorded in the effect JSON and each report's provenance.
    note : str
        Recorded with the import.
    scheme : path, optional
        The scoring scheme (TOML); the shipped illustrative scheme when omitted. It is
        checked before anything is imported, scored or published.
    echo : callable, optional
        Called with each progress line (the command line prints them).

    Returns
    -------
    RunSummary
    """
    from assess.appraisal.scoring import score_quarter
    from assess.core.checks import check_quarter, check_seed
    from assess.core.excel import write_workbook
    from assess.core.schema import EVENT_TYPES
    from assess.core.scheme import load_scheme
    from assess.effect.campaign import analyse_campaign
    from assess.exams import exam_of_quarter
    from assess.io.store import Store, read_for_scoring, read_store
    from assess.io.validation import load_inputs

    quarter = check_quarter("run_quarter", quarter)
    seed = check_seed("run_quarter", seed)
    # A scheme with a mistake stops the run before anything is imported or published.
    rules = load_scheme(scheme)
    lines: list[str] = []
    out = Path(out_dir) / quarter
    paths = {
        "appraisal": out / f"季度考评_{quarter}.xlsx",
        "exam": out / f"每季一考_{quarter}.xlsx",
        "effect": out / "成效分析.json",
    }
    _check_free(list(paths.values()), overwrite)
    outputs: dict[str, Path] = {}

    dataset = load_inputs(inputs)
    out.mkdir(parents=True, exist_ok=True)  # after the inputs passed: a failed run writes nothing
    files = {t: Path(s.split("#", 1)[0]) for t, s in dataset.sources.items()}
    with Store.open(store) as db:
        imported = db.import_dataset(dataset, files=files, replace=replace, note=note)
    del dataset
    _say(lines, echo, imported.summary().split("\n\n")[0])

    appraisal = score_quarter(
        read_for_scoring(store, quarter=quarter), quarter=quarter, scheme=rules
    )
    workbook = appraisal.to_excel(paths["appraisal"], overwrite=overwrite)
    outputs["appraisal"] = workbook
    with Store.open(store) as db:
        revision = db.publish(
            "appraisal", quarter, appraisal.tables(), params=appraisal.params(), replace=replace
        )
    _say(lines, echo, appraisal.summary().split("\n\n")[0])
    _say(
        lines,
        echo,
        f"考评结果已发布（第 {revision} 版）/ appraisal published as revision {revision}",
    )

    data = read_store(store)
    exam = exam_of_quarter(data, quarter=quarter, scheme=rules)
    exam_book = write_workbook(paths["exam"], exam.tables(), overwrite=overwrite)
    outputs["exam"] = exam_book
    _say(lines, echo, exam.summary().split("\n\n")[0])

    if not data.campaign.empty:
        campaign = analyse_campaign(data, seed=seed)
        effect_json = paths["effect"]
        payload: dict[str, Any] = {o: r.to_dict() for o, r in campaign.results.items()}
        payload["seed"] = seed
        tmp = effect_json.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, effect_json)
        outputs["effect"] = effect_json
        for outcome, result in campaign.results.items():
            # The headline and the estimate of each outcome; the full verdict is in the JSON
            # and the effect report.
            head = "\n".join(result.verdict.zh.split("\n")[:2])
            _say(lines, echo, f"【{EVENT_TYPES[outcome]}】{head}")
    province = str(data.units.loc[data.units["level"] == "province", "unit_code"].iloc[0])
    campaign_id = None if data.campaign.empty else str(data.campaign["campaign_id"].iloc[0])
    del data

    failed: tuple[str, ...] = ()
    if reports:
        index, failed = _render_reports(
            store,
            quarter,
            out / "reports",
            level=level,
            workers=workers,
            province=province,
            campaign_id=campaign_id,
            overwrite=overwrite,
            seed=seed,
        )
        outputs["reports"] = index
    return RunSummary(
        quarter=quarter,
        store=store if isinstance(store, str) and "://" in store else Path(store),
        out_dir=out,
        outputs=outputs,
        lines=tuple(lines),
        failed_reports=failed,
    )


def _render_reports(
    store: str | os.PathLike[str],
    quarter: str,
    folder: Path,
    *,
    level: str,
    workers: int | None,
    province: str,
    campaign_id: str | None,
    overwrite: bool,
    seed: int,
) -> tuple[Path, tuple[str, ...]]:
    """Quarterly reports per unit, the exam and the campaign's effect report: one batch,
    one index; a failing report is listed there, the others are still written."""
    from assess.report import render_reports, unit_parameter_sets

    requests: list[tuple[str, dict[str, Any]]] = [
        ("quarterly", ps)
        for ps in unit_parameter_sets(store, level=level, common={"quarter": quarter, "seed": seed})
    ]
    requests.append(("exam", {"quarter": quarter, "unit": province, "store": str(store)}))
    if campaign_id is not None:
        requests.append(("effect", {"campaign": campaign_id, "store": str(store), "seed": seed}))
    batch = render_reports(
        requests,
        out_dir=folder,
        workers=workers,
        overwrite=overwrite,
        title=f"{quarter} 党建考评与成效分析报告 / appraisal and effect reports",
    )
    return batch.index, tuple(r.stem for r in batch.reports if r.status == "failed")
