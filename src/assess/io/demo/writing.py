"""Writing the demo folder: the CSV and workbook sinks, the build, and :func:`generate`.

Files go into a hidden folder beside the target, renamed into place only when complete.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import openpyxl
import pandas as pd
from tqdm import tqdm

from assess.core.checks import check_bool, check_choice, check_path, check_seed
from assess.core.errors import InputError, ParameterError, bilingual
from assess.core.schema import TABLE_NAMES, TABLES
from assess.io.demo.config import _CONFIGS, _PILOT_START, _ROLLOUT_START, SIZES
from assess.io.demo.events import _OUTCOMES, _events, _exposure, _kpis
from assess.io.demo.exams import _exam_items, _exam_responses
from assess.io.demo.org import _staff, _units
from assess.io.demo.points import _indicator_suggestions, _points
from assess.io.demo.registers import _duties, _milestones, _problems, _projects
from assess.io.demo.truth import _campaign, _ground_truth, _province_truth

#: The output formats :func:`generate` accepts.
FORMATS: tuple[str, ...] = ("csv", "xlsx")

_SIZE_ZH = {"small": "小型", "province": "省级", "national": "全国"}
# Excel's sheet row limit: only the small demo fits in one workbook.
_XLSX_SIZES = ("small",)


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

_TRUTH_FILE = "ground_truth.json"
_INDICATORS_FILE = "indicators.json"
_WORKBOOK = "inputs.xlsx"
# What generate() may find in a folder it is allowed to replace.
_OUTPUT_NAMES = frozenset(
    {f"{t}.csv" for t in TABLE_NAMES} | {_WORKBOOK, _TRUTH_FILE, _INDICATORS_FILE}
)
_FIXED_STAMP = (2026, 9, 30, 0, 0, 0)


class _CsvSink:
    """Appends each table to ``<name>.csv``: UTF-8 with BOM so Excel shows the Chinese."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.handles: dict[str, TextIO] = {}
        self.rows = dict.fromkeys(TABLE_NAMES, 0)

    def write(self, name: str, frame: pd.DataFrame) -> None:
        handle = self.handles.get(name)
        header = handle is None
        if handle is None:
            path = self.folder / f"{name}.csv"
            handle = self.handles[name] = path.open("w", encoding="utf-8-sig", newline="")
        frame[TABLES[name].column_names].to_csv(
            handle, index=False, header=header, lineterminator="\n"
        )
        self.rows[name] += len(frame)

    def finish(self) -> None:
        self.discard()

    def discard(self) -> None:
        for handle in self.handles.values():
            handle.close()


class _XlsxSink:
    """Collects every table, then writes one workbook with a sheet per table."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.frames: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLE_NAMES}
        self.rows = dict.fromkeys(TABLE_NAMES, 0)

    def write(self, name: str, frame: pd.DataFrame) -> None:
        self.frames[name].append(frame[TABLES[name].column_names])
        self.rows[name] += len(frame)

    def finish(self) -> None:
        path = self.folder / _WORKBOOK
        # openpyxl's write-only mode streams rows: faster than DataFrame.to_excel.
        book = openpyxl.Workbook(write_only=True)
        for name, parts in self.frames.items():
            frame = pd.concat(parts, ignore_index=True).astype(object)
            sheet = book.create_sheet(name)
            sheet.append(list(frame.columns))
            for row in frame.where(frame.notna(), None).itertuples(index=False, name=None):
                sheet.append(row)
        book.save(path)
        _normalise_xlsx(path)

    def discard(self) -> None:
        self.frames.clear()


def _normalise_xlsx(path: Path) -> None:
    """Fix the timestamps openpyxl stamps into a workbook, so equal seeds give equal bytes."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    stamp = "-".join(f"{x:02d}" for x in _FIXED_STAMP[:3]) + "T00:00:00Z"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data
                )
            info = zipfile.ZipInfo(name, date_time=_FIXED_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"not JSON serialisable: {value!r}")


def _write_json(path: Path, content: Mapping[str, Any]) -> None:
    text = json.dumps(content, ensure_ascii=False, indent=2, default=_json_default)
    path.write_text(text + "\n", encoding="utf-8")


_STEPS = (
    "units",
    "staff",
    "exposure",
    "events",
    "kpis",
    "points",
    "exam_responses",
    "projects",
    "problems",
    "duties",
    "campaign",
)


def _build(folder: Path, size: str, seed: int, fmt: str, progress: bool) -> dict[str, int]:
    """Generate every table of every province into ``folder``; return rows per table."""
    cfg = _CONFIGS[size]
    sink: _CsvSink | _XlsxSink = _CsvSink(folder) if fmt == "csv" else _XlsxSink(folder)
    bar = tqdm(
        total=cfg.n_provinces * len(_STEPS) + 1,
        desc=f"demo ({size})",
        unit="step",
        file=sys.stderr,
        disable=not progress,
        leave=False,
    )
    provinces = []
    try:
        bank = _exam_items(seed)
        sink.write("exam_items", bank.frame)

        def step(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update()

        for p in range(cfg.n_provinces):
            org = _units(cfg, seed, p)
            sink.write("units", org.units)
            step("units")
            staff, people = _staff(cfg, seed, p, org)
            sink.write("staff", staff)
            step("staff")
            exposure, expo = _exposure(seed, p, org, people)
            sink.write("exposure", exposure)
            step("exposure")
            log = _events(cfg, seed, p, org, people, expo)
            sink.write("events", log.frame)
            step("events")
            sink.write("kpis", _kpis(seed, p, org, expo, log.frame))
            step("kpis")
            sink.write("points", _points(cfg, seed, p, org, people))
            step("points")
            responses, participation = _exam_responses(cfg, seed, p, org, people, bank)
            sink.write("exam_responses", responses)
            step("exam_responses")
            projects = _projects(cfg, seed, p, org)
            sink.write("projects", projects.frame)
            sink.write("milestones", _milestones(seed, p, projects))
            step("projects")
            problems = _problems(seed, p, org)
            sink.write("problems", problems)
            step("problems")
            duties = _duties(cfg, seed, p, org, expo)
            sink.write("duties", duties)
            step("duties")
            sink.write("campaign", _campaign(org))
            step("campaign")
            provinces.append(
                _province_truth(
                    org, log, projects.frame, problems, duties, participation, projects.behind
                )
            )
        sink.finish()
        _write_json(folder / _TRUTH_FILE, _ground_truth(size, seed, cfg, bank, provinces))
        _write_json(folder / _INDICATORS_FILE, _indicator_suggestions())
        bar.update()
    except BaseException:
        sink.discard()
        raise
    finally:
        bar.close()
    return sink.rows


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate` wrote.

    Attributes
    ----------
    out : Path
        The demo folder.
    size, fmt : str
        Size (``small``/``province``/``national``) and format (``csv``/``xlsx``).
    seed : int
        Random seed; the same seed gives byte-identical files.
    rows : Mapping[str, int]
        Data rows written per table (every table of :data:`assess.core.schema.TABLES`).
    files : tuple of Path
        Files written, tables first, then ``ground_truth.json`` and ``indicators.json``.
    ground_truth : Path
        The file with the planted effects and parameters.
    seconds : float
        Wall-clock time of the run.
    """

    out: Path
    size: str
    fmt: str
    seed: int
    rows: Mapping[str, int]
    files: tuple[Path, ...]
    ground_truth: Path
    seconds: float = field(compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Rows per table: columns ``table``, ``table_zh``, ``rows``."""
        return pd.DataFrame(
            {
                "table": list(self.rows),
                "table_zh": [TABLES[name].zh for name in self.rows],
                "rows": list(self.rows.values()),
            }
        )

    def _campaign_text(self) -> tuple[str, str]:
        cfg = _CONFIGS[self.size]
        per = "每个省" if cfg.n_provinces > 1 else ""
        per_en = " per province" if cfg.n_provinces > 1 else ""
        rr = {k: f"{o.campaign_rr:.2f}" for k, o in _OUTCOMES.items()}
        zh = (
            f"三无三当活动：{per}{cfg.n_pilot_cities} 个试点市公司自 {_PILOT_START} 起，"
            f"其余单位自 {_ROLLOUT_START} 起；真实率比：投诉 {rr['complaint']}，"
            f"违章 {rr['violation']}，故障 {rr['fault']}（负对照）。"
        )
        en = (
            f"Campaign 三无三当: {cfg.n_pilot_cities} pilot city companies{per_en} from "
            f"{_PILOT_START}, all other units from {_ROLLOUT_START}; true rate ratios: "
            f"complaints {rr['complaint']}, violations {rr['violation']}, faults "
            f"{rr['fault']} (negative control)."
        )
        return zh, en

    def summary(self) -> str:
        """Two paragraphs, Simplified Chinese then English: where, how much, what is planted."""
        zh_rows = "、".join(f"{TABLES[k].zh} {v:,} 行" for k, v in self.rows.items())
        en_rows = ", ".join(f"{k} {v:,}" for k, v in self.rows.items())
        camp_zh, camp_en = self._campaign_text()
        zh = (
            f"演示数据（{_SIZE_ZH[self.size]}规模，随机种子 {self.seed}）已写入 {self.out}，"
            f"用时 {self.seconds:.1f} 秒。各表行数：{zh_rows}。{camp_zh}"
            f"真实效应与参数见 {self.ground_truth.name}。"
        )
        en = (
            f"Demo data ({self.size} size, seed {self.seed}) written to {self.out} in "
            f"{self.seconds:.1f} s. Rows: {en_rows}. {camp_en} True effects and parameters "
            f"are in {self.ground_truth.name}."
        )
        return f"{zh}\n\n{en}"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{k}</td><td>{TABLES[k].zh}</td><td style='text-align:right'>{v:,}</td></tr>"
            for k, v in self.rows.items()
        )
        camp_zh, camp_en = self._campaign_text()
        return (
            f"<p><b>演示数据 / demo data</b>: {html.escape(str(self.out))} "
            f"({self.size}, seed {self.seed}, {self.seconds:.1f} s)</p>"
            "<table><thead><tr><th>table</th><th>表</th><th>rows 行数</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f"<p>{html.escape(camp_zh)}<br>{html.escape(camp_en)}</p>"
        )


def generate(
    out: str | os.PathLike[str],
    *,
    size: str = "province",
    seed: int = 2026,
    fmt: str = "csv",
    overwrite: bool = False,
    progress: bool = True,
) -> DemoSummary:
    """Write a realistic synthetic utility, with planted effects, as the files a user brings.

    Parameters
    ----------
    out : str or path
        Folder to create. It must not exist or be empty, unless ``overwrite=True`` and it
        holds nothing but an earlier demo's files.
    size : {"province", "small", "national"}, default "province"
        ``small``: 1 province, 2 cities, 4 counties, 24 branches, about 400 staff (tests).
        ``province``: 14 cities, about 100 counties, 1,500 branches, 25,000 members and
        15,000 other staff. ``national``: 40 such provinces (about 1,000,000 members);
        points, exam answers, dues and meetings only for the last five quarters.
    seed : int, default 2026
        Random seed (≥ 0). The same seed gives byte-identical files.
    fmt : {"csv", "xlsx"}, default "csv"
        ``csv``: one ``<table>.csv`` per table, UTF-8 with BOM, English headers.
        ``xlsx``: one workbook ``inputs.xlsx`` with a sheet per table (``small`` only:
        the larger sizes exceed Excel's 1,048,576 rows per sheet).
    overwrite : bool, default False
        Replace an existing demo folder (only after the new one is complete).
    progress : bool, default True
        Show a progress bar on standard error.

    Returns
    -------
    DemoSummary
        Folder, size, seed, rows per table, files written, the ground-truth file and the
        time taken; ``.summary()`` describes it in Chinese and English.

    Raises
    ------
    ParameterError
        Unknown ``size`` or ``fmt``, a negative or non-integer ``seed``, or ``xlsx`` for a
        size that does not fit in a workbook.
    InputError
        ``out`` is a file, or a non-empty folder without ``overwrite=True``, or a folder
        holding files the demo did not write.

    Notes
    -----
    Files are written into a hidden temporary folder beside ``out`` and renamed into
    place when complete, so an interrupted run never leaves a folder that looks finished.
    The planted model (rates, seasons, the Spring Festival dip, the campaign's rate ratios,
    member/non-member ratios, the exam's item parameters) is recorded in
    ``ground_truth.json``; the docstring of :mod:`assess.io.demo` describes the design.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     demo = generate(Path(tmp) / "demo", size="small", progress=False)
    ...     sorted(p.name for p in demo.out.iterdir())[:3]
    ['campaign.csv', 'duties.csv', 'events.csv']
    >>> demo.rows["units"], demo.rows["exam_items"]
    (31, 100)
    """
    check_choice("generate", "size", size, SIZES)
    check_choice("generate", "fmt", fmt, FORMATS)
    check_seed("generate", seed)
    check_bool("generate", "overwrite", overwrite)
    check_bool("generate", "progress", progress)
    if fmt == "xlsx" and size not in _XLSX_SIZES:
        raise ParameterError(
            "generate",
            "fmt",
            "'csv' for this size (a sheet holds at most 1,048,576 rows)",
            fmt,
            zh=f"generate：{size} 规模的数据超过 Excel 每个工作表 1,048,576 行的上限，"
            "参数 'fmt' 应为 'csv'",
        )
    target = check_path("generate", "out", out).resolve()
    _check_target(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        rows = _build(partial, size, int(seed), fmt, progress)
        _move_into_place(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    names = [_WORKBOOK] if fmt == "xlsx" else [f"{t}.csv" for t in TABLE_NAMES]
    files = tuple(target / n for n in [*names, _TRUTH_FILE, _INDICATORS_FILE])
    return DemoSummary(
        target,
        size,
        fmt,
        int(seed),
        rows,
        files,
        target / _TRUTH_FILE,
        time.perf_counter() - started,
    )


def _check_target(target: Path, overwrite: bool) -> None:
    """Refuse a file, a non-empty folder without ``overwrite``, or a folder not ours."""
    if target.exists() and not target.is_dir():
        raise InputError(
            bilingual(
                f"输出路径 {target} 已存在且不是文件夹",
                f"output path {target} exists and is not a folder",
            )
        )
    if not target.is_dir():
        return
    present = sorted(p.name for p in target.iterdir())
    if present and not overwrite:
        raise InputError(
            bilingual(
                f"输出文件夹 {target} 不为空；如需替换其中的演示数据，请使用 overwrite=True"
                "（命令行 --overwrite）",
                f"output folder {target} is not empty; pass overwrite=True (--overwrite on the "
                "command line) to replace the demo data in it",
            )
        )
    foreign = [name for name in present if name not in _OUTPUT_NAMES]
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise InputError(
            bilingual(
                f"输出文件夹 {target} 含有不是演示数据生成的文件（{shown}），为安全起见不予替换；"
                "请换一个文件夹",
                f"output folder {target} holds files the demo generator did not write ({shown}); "
                "it is not replaced, to be safe: choose another folder",
            )
        )


def _move_into_place(partial: Path, target: Path) -> None:
    """Rename the finished folder to ``target``; an old ``target`` goes only afterwards."""
    if not target.exists():
        partial.rename(target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
    target.rename(old)
    try:
        partial.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old)
