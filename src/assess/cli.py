"""The ``assess`` command: one entry point for the whole quarterly job.

Exit codes: 0 success; 1 a data, input or user error (printed without a traceback,
in Chinese and English); 2 a usage error (unknown option, missing argument).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from assess import __version__
from assess.core.display import ResultDisplay
from assess.core.errors import AssessError, DataValidationError, ParameterError, bilingual

__all__ = ["main", "build_parser"]

DEFAULT_STORE = Path("data/assess.duckdb")

_EPILOG = """\
示例 / examples:
  assess demo --out data/demo                       生成演示数据 / make demo data
  assess validate data/demo                         校验输入 / check inputs
  assess import data/demo                           导入数据库 / import into the store
  assess run data/demo --quarter 2026Q3             全流程 / the whole quarterly job

退出码 / exit codes: 0 成功 success · 1 数据或用户错误，或有报告失败 data or user error,
or a report failed · 2 用法错误 usage error
"""


def _cmd_demo(args: argparse.Namespace) -> int:
    from assess.io.demo import generate

    result = generate(
        args.out, size=args.size, seed=args.seed, fmt=args.format, overwrite=args.overwrite
    )
    print(result.summary())
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from assess.io.validation import check_inputs

    result = check_inputs(args.path, periods=args.periods)
    report = result.report
    print(result.summary())
    if args.problems and not report.ok:
        report.to_excel(args.problems, overwrite=args.overwrite)
        print(f"问题清单已写入 / problem table written to: {args.problems}")
    return 0 if report.ok else 1


def _cmd_import(args: argparse.Namespace) -> int:
    from assess.io.store import Store
    from assess.io.validation import check_inputs

    result = check_inputs(args.path, periods=args.periods)
    if result.dataset is None:
        print(result.summary(), file=sys.stderr)
        print("未导入任何数据 / nothing was imported", file=sys.stderr)
        return 1
    dataset = result.dataset
    with Store.open(args.store) as store:
        summary = store.import_dataset(
            dataset, files=_source_files(dataset.sources), replace=args.replace, note=args.note
        )
    print(summary.summary())
    if result.notes:
        print("\n说明 / notes:\n" + "\n".join(f"  · {n}" for n in result.notes))
    return 0


def _source_files(sources: dict[str, str]) -> dict[str, Path]:
    # A workbook sheet is recorded as "book.xlsx#sheet"; the file is what gets hashed.
    return {table: Path(src.split("#", 1)[0]) for table, src in sources.items()}


def _cmd_score(args: argparse.Namespace) -> int:
    from assess.appraisal.scoring import score_quarter
    from assess.core.scheme import load_scheme
    from assess.io.store import Store, read_for_scoring

    scheme = load_scheme(args.scheme)
    dataset = read_for_scoring(args.store, quarter=args.quarter)
    appraisal = score_quarter(dataset, quarter=args.quarter, scheme=scheme, unit=args.unit)
    del dataset
    with Store.open(args.store, create=False) as store:
        print(appraisal.summary())
        if args.out:
            appraisal.to_excel(args.out, overwrite=args.overwrite)
            print(f"\n工作簿 / workbook: {args.out}")
        if args.unit is None:
            revision = store.publish(
                "appraisal",
                appraisal.quarter,
                appraisal.tables(),
                params=appraisal.params(),
                replace=args.replace,
            )
            print(
                f"已保存为 {appraisal.quarter} 第 {revision} 版考评结果 / "
                f"saved as revision {revision} of the {appraisal.quarter} appraisal"
            )
    return 0


def _cmd_scheme_check(args: argparse.Namespace) -> int:
    import pandas as pd

    from assess.appraisal.ahp import ahp_weights
    from assess.core.formatting import number, percent
    from assess.core.glossary import term
    from assess.core.scheme import load_scheme

    scheme = load_scheme(args.file)
    ahp = None
    if scheme.ahp_matrix is not None:
        # The consistency ratio needs the AHP itself; scoring would stop here too.
        codes = scheme.indicator_codes
        ahp = ahp_weights(pd.DataFrame(scheme.ahp_matrix, index=codes, columns=codes))
    print(scheme.summary(language=args.language))
    if ahp is not None:
        colon = "：" if args.language == "zh" else ": "
        shares = " · ".join(f"{code} {percent(w)}" for code, w in ahp.weights.items())
        label = term("ahp_weights", args.language)
        print(f"\n{label} (CR = {number(ahp.cr, 3)}){colon}{shares}")
    return 0


def _cmd_exam(args: argparse.Namespace) -> int:
    from assess.core.excel import write_workbook
    from assess.core.scheme import load_scheme
    from assess.exams import exam_of_quarter
    from assess.io.store import read_store

    result = exam_of_quarter(
        read_store(args.store),
        quarter=args.quarter,
        unit=args.unit,
        scheme=load_scheme(args.scheme),
    )
    print(result.summary())
    if args.out:
        write_workbook(args.out, result.tables(), overwrite=args.overwrite)
        print(f"\n工作簿 / workbook: {args.out}")
    return 0


def _cmd_track(args: argparse.Namespace) -> int:
    from assess.core.excel import write_workbook
    from assess.io.store import read_store
    from assess.tracking.duties import DutyStatus, track_duties
    from assess.tracking.problems import ProblemStatus, track_problems
    from assess.tracking.projects import ProjectStatus, track_projects

    data = read_store(args.store, ["units", "projects", "milestones", "problems", "duties"])
    results: list[ProjectStatus | ProblemStatus | DutyStatus] = [
        track_projects(data.projects, data.milestones, as_of=args.as_of, units=data.units),
        track_problems(data.problems, as_of=args.as_of),
        track_duties(data.duties, as_of=args.as_of),
    ]
    print("\n\n".join(r.summary() for r in results))
    if args.out:
        sheets = {name: frame for r in results for name, frame in r.tables().items()}
        write_workbook(args.out, sheets, overwrite=args.overwrite)
        print(f"\n工作簿 / workbook: {args.out}")
    return 0


def _cmd_effect_yoy(args: argparse.Namespace) -> int:
    from assess.effect.rates import rate_ratio_test

    result = rate_ratio_test(
        args.before,
        args.exposure_before,
        args.after,
        args.exposure_after,
        confidence=args.confidence,
        methods=("exact-cond", "score", "wald-log"),
    )
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(result.summary())
        print()
        print(result.to_frame().to_string())
    return 0


def _cmd_effect_run(args: argparse.Namespace) -> int:
    if args.input is None:
        from assess.effect.campaign import analyse_campaign
        from assess.io.store import read_store

        campaign = analyse_campaign(
            read_store(args.store),
            outcomes=args.outcomes,
            level=args.level,
            campaign_id=args.campaign,
            design=args.design,
            inference=args.inference,
            confidence=args.confidence,
            seed=args.seed,
        )
        payload = {o: r.to_dict() for o, r in campaign.results.items()}
        shown: ResultDisplay = campaign
    else:
        from assess.effect.engine import analyse_effect
        from assess.io.readers import read_table_file

        for option in ("unit_col", "period_col", "count_col"):
            if getattr(args, option) is None:
                flag = "--" + option.replace("_", "-")
                raise AssessError(
                    bilingual(f"使用 --input 时需要 {flag}", f"{flag} is needed with --input")
                )
        data = read_table_file(args.input)
        effect = analyse_effect(
            data,
            unit_col=args.unit_col,
            period_col=args.period_col,
            count_col=args.count_col,
            exposure_col=args.exposure_col,
            treated_col=args.treated_col,
            treated_units=args.treated_units,
            start=args.start,
            design=args.design,
            inference=args.inference,
            confidence=args.confidence,
            seed=args.seed,
        )
        payload = effect.to_dict()
        shown = effect
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(shown.summary())
        print()
        print(shown.to_frame().to_string())
    return 0


def _cmd_effect_plan(args: argparse.Namespace) -> int:
    from assess.effect.plan import baseline_panel, plan_campaign
    from assess.io.store import read_store

    data = read_store(args.store, ["units", "events", "exposure"])
    baseline = baseline_panel(data, outcome=args.outcome, level=args.level, months=args.history)
    plan = plan_campaign(
        baseline,
        unit_col="unit",
        count_col="count",
        period_col="month",
        exposure_col="exposure",
        pilot_units=args.pilot_units,
        months_before=args.months_before,
        months_after=args.months_after,
        inference=args.inference,
        target=args.target,
        simulations=args.simulations,
        seed=args.seed,
        outcome=args.outcome,
    )
    if args.plot:
        if args.plot.exists() and not args.overwrite:
            raise AssessError(
                bilingual(
                    f"文件已存在：{args.plot}（覆盖请加 --overwrite）",
                    f"file exists: {args.plot} (add --overwrite to replace it)",
                )
            )
        import matplotlib.pyplot as plt

        plan.plot()
        plt.savefig(args.plot)
        plt.close("all")
    if args.json:
        print(json.dumps(plan.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(plan.summary())
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from assess.pipeline import run_quarter

    summary = run_quarter(
        args.path,
        store=args.store,
        quarter=args.quarter,
        out_dir=args.reports,
        replace=args.replace,
        overwrite=args.overwrite,
        reports=not args.no_reports,
        level=args.level,
        workers=args.workers,
        seed=args.seed,
        note=args.note,
        scheme=args.scheme,
        echo=lambda line: print(line, flush=True),
    )
    print()
    print(summary.summary())
    return 1 if summary.failed_reports else 0


# What each output option names: a file with one of these suffixes, or a folder. Set with
# ``p.set_defaults(_outputs={"out": (".xlsx",)})``; ``()`` means a folder. Checked by
# :func:`_check_outputs` before the command runs, so a wrong name writes nothing.
_OUTPUTS = "_outputs"
_FILE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".json", ".html", ".docx", ".pdf", ".ipynb")


def _check_outputs(args: argparse.Namespace) -> None:
    command = f"assess {args.command}"
    for attr, suffixes in getattr(args, _OUTPUTS, {}).items():
        value = getattr(args, attr, None)
        if value is None:
            continue
        flag, path = "--" + attr.replace("_", "-"), Path(value)
        if suffixes and path.suffix.lower() not in suffixes:
            shown = " 或 ".join(suffixes)
            raise ParameterError(
                command,
                flag,
                f"a file name ending in {' or '.join(suffixes)}",
                str(value),
                zh=f"{command}：参数 {flag!r} 应为以 {shown} 结尾的文件名，实际为 {str(value)!r}",
            )
        if not suffixes and (path.is_file() or path.suffix.lower() in _FILE_SUFFIXES):
            raise ParameterError(
                command,
                flag,
                "a folder, not a file",
                str(value),
                zh=f"{command}：参数 {flag!r} 应为文件夹而非文件，实际为 {str(value)!r}",
            )
    store = getattr(args, "store", None)
    if store is not None and "://" not in str(store) and Path(store).is_dir():
        raise ParameterError(
            command,
            "--store",
            "a store file such as data/assess.duckdb, not a folder",
            str(store),
            zh=f"{command}：参数 '--store' 应为数据库文件（如 data/assess.duckdb），"
            f"不是文件夹，实际为 {str(store)!r}",
        )


def _add_periods(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--periods",
        nargs="+",
        metavar="QUARTER",
        help="导入的季度（默认取暴露量表中的月份）/ quarters being imported, e.g. 2026Q2 2026Q3 "
        "(default: the months present in the exposure table)",
    )


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors (exit 2) introduced in Chinese and English."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        heading = bilingual("命令行参数有误", "usage error")
        self.exit(2, f"{self.prog}: 错误 / error: {heading}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``assess`` command (also used to document it)."""
    parser = _Parser(
        prog="assess",
        description="党建季度考评与成效分析 / "
        "Quarterly party-building appraisal and effect analysis.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"assess {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = add(
        "demo",
        _cmd_demo,
        "生成带已知效应的演示数据 / generate demo data with known planted effects",
    )
    p.add_argument("--out", type=Path, required=True, help="输出文件夹 / output folder")
    p.add_argument(
        "--size",
        choices=("small", "province", "national"),
        default="province",
        help="规模：small 测试用，province 约2.5万党员（默认），national 约100万党员 / "
        "size: small for tests, province ~25,000 members (default), national ~1,000,000",
    )
    p.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed (default 2026)")
    p.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        default="csv",
        help="csv 每表一个文件（默认）或 xlsx 一个工作簿 / "
        "one CSV per table (default) or one workbook",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="覆盖已有文件夹 / replace an existing output folder",
    )

    p.set_defaults(_outputs={"out": ()})

    p = add(
        "validate",
        _cmd_validate,
        "校验输入表，列出全部问题 / check input tables and list every problem",
    )
    p.set_defaults(_outputs={"problems": (".xlsx",)})
    p.add_argument(
        "path", type=Path, help="CSV 文件夹或 Excel 工作簿 / folder of CSV files or a workbook"
    )
    _add_periods(p)
    p.add_argument(
        "--problems",
        type=Path,
        metavar="FILE.xlsx",
        help="把问题清单写入 Excel / write the problem table to an Excel file",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="覆盖已有的问题清单文件 / overwrite an existing problem file",
    )

    def add_store(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--store",
            type=str,  # a path, or a postgresql:// URL (a Path would fold its //)
            default=DEFAULT_STORE,
            help=f"数据库文件或 postgresql:// 地址 / store file or postgresql:// URL "
            f"(default {DEFAULT_STORE})",
        )

    p = add("import", _cmd_import, "校验并导入数据库 / validate and import into the store")
    p.add_argument(
        "path", type=Path, help="CSV 文件夹或 Excel 工作簿 / folder of CSV files or a workbook"
    )
    add_store(p)
    _add_periods(p)
    p.add_argument(
        "--replace",
        action="store_true",
        help="允许替换已导入季度的数据（旧版本仍可读）/ allow changed data for imported quarters "
        "(the previous revision stays readable)",
    )
    p.add_argument("--note", default="", help="导入说明 / a note recorded with the import")

    p = add("score", _cmd_score, "季度考评：先锋指数、等次、五星支部 / score a quarter")
    p.set_defaults(_outputs={"out": (".xlsx",)})
    p.add_argument("--quarter", required=True, help="考评季度，如 2026Q3 / quarter, e.g. 2026Q3")
    add_store(p)
    p.add_argument(
        "--scheme",
        type=Path,
        help="评分方案 TOML（默认内置示例方案）/ scheme file "
        "(default: the shipped illustrative scheme)",
    )
    p.add_argument("--unit", help="只评该单位及其下级 / only this unit and the units under it")
    p.add_argument(
        "--out",
        type=Path,
        metavar="FILE.xlsx",
        help="写出考评工作簿（含计算过程；超过 Excel 单表行数的表另存为同名前缀的 CSV）/ "
        "write the workbook with the calculation steps (a table longer than a sheet goes "
        "to a CSV named after the workbook)",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="覆盖已有工作簿 / overwrite the workbook"
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="替换本季度已发布的考评结果（旧版本保留）/ replace this quarter's published "
        "appraisal (earlier revisions stay readable)",
    )

    scheme = sub.add_parser(
        "scheme",
        help="评分方案：检查并显示 / the scoring scheme: check it and show what it says",
        description="评分方案 / scoring scheme",
    )
    scheme_sub = scheme.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = scheme_sub.add_parser(
        "check",
        help="检查评分方案并显示其内容，以便与书面考评办法核对 / check a scheme file and show "
        "what it says, to compare with the paper rules",
        description="检查评分方案的每个键和每条规则（列出全部问题，退出码 1），通过时显示方案摘要："
        "加分项及其权重和上限、扣分项、一票否决、等次比例、五星规则、每季一考、谈心谈话 / "
        "check every key and rule of a scheme (all problems listed, exit code 1); when it "
        "is valid, show its summary: add items with weights and caps, deductions, vetoes, "
        "grade quotas, star rules, the exam rule and the watch-list rule",
    )
    p.set_defaults(func=_cmd_scheme_check)
    p.add_argument("file", type=Path, help="评分方案 TOML 文件 / scheme file (TOML)")
    p.add_argument(
        "--language",
        choices=("zh", "en", "zh-en"),
        default="zh",
        help="摘要语言（默认中文）/ language of the summary (default zh)",
    )

    p = add("exam", _cmd_exam, "每季一考分析：参考率、合格率、薄弱板块、题目分析 / quarterly exam")
    p.set_defaults(_outputs={"out": (".xlsx",)})
    p.add_argument("--quarter", required=True, help="季度，如 2026Q3 / quarter, e.g. 2026Q3")
    add_store(p)
    p.add_argument("--unit", help="只分析该单位及其下级 / only this unit and the units under it")
    p.add_argument(
        "--scheme",
        type=Path,
        help="评分方案（应考岗位与合格线）/ scheme file (eligible posts and pass mark)",
    )
    p.add_argument("--out", type=Path, metavar="FILE.xlsx", help="写出工作簿 / write a workbook")
    p.add_argument(
        "--overwrite", action="store_true", help="覆盖已有工作簿 / overwrite the workbook"
    )

    p = add(
        "track",
        _cmd_track,
        "书记项目、问题整改、党务任务的红黄绿状态 / red-yellow-green status of projects, problems "
        "and duties",
    )
    p.set_defaults(_outputs={"out": (".xlsx",)})
    p.add_argument("--as-of", required=True, help="截至日期，如 2026-09-30 / as-of date")
    add_store(p)
    p.add_argument("--out", type=Path, metavar="FILE.xlsx", help="写出工作簿 / write a workbook")
    p.add_argument(
        "--overwrite", action="store_true", help="覆盖已有工作簿 / overwrite the workbook"
    )

    effect = sub.add_parser(
        "effect",
        help="成效分析：活动是否真正减少了违章和投诉 / did a campaign really reduce events?",
        description="成效分析 / effect analysis",
    )
    effect_sub = effect.add_subparsers(dest="design", metavar="DESIGN", required=True)
    p = effect_sub.add_parser(
        "yoy",
        help="核查同比数字：两期计数的率比、区间与可检出变化 / audit a year-on-year claim",
        description="核查“同比下降 x%”：率比、精确与得分区间、P 值、最小可检出变化 / "
        "audit a year-on-year claim: rate ratio, exact and score intervals, p-value, "
        "smallest detectable change",
    )
    p.set_defaults(func=_cmd_effect_yoy)
    p.add_argument("--before", type=int, required=True, help="基期计数 / count in the base period")
    p.add_argument(
        "--after", type=int, required=True, help="本期计数 / count in the current period"
    )
    p.add_argument(
        "--exposure-before",
        type=float,
        default=1.0,
        help="基期暴露量（人数、工作票、客户数）/ exposure in the base period (default 1)",
    )
    p.add_argument(
        "--exposure-after", type=float, default=1.0, help="本期暴露量 / exposure now (default 1)"
    )
    p.add_argument(
        "--confidence", type=float, default=0.95, help="置信水平 / confidence level (default 0.95)"
    )
    p.add_argument("--json", action="store_true", help="输出 JSON / print JSON")

    p = effect_sub.add_parser(
        "run",
        help="设计化的成效分析（ITS、双重差分、分批推行）/ design-based effect analysis",
        description="从数据库的活动表（默认）或任一整洁表分析活动成效：自动选择设计（中断时间序列、"
        "双重差分、分批推行），少量处理单位时用随机化推断，并做证伪检验 / "
        "analyse a campaign from the store's campaign table (default) or any tidy table of "
        "counts: the design is chosen from the data (ITS, DiD, staggered rollout), "
        "randomisation inference with few treated units, falsification checks",
    )
    p.set_defaults(func=_cmd_effect_run)
    add_store(p)
    p.add_argument(
        "--outcomes",
        nargs="+",
        default=["complaint", "violation"],
        choices=("violation", "complaint", "discipline", "fault"),
        help="分析的事件类型 / event types to analyse (default complaint violation)",
    )
    p.add_argument(
        "--level",
        choices=("auto", "branch", "county", "city"),
        default="auto",
        help="汇总层级；auto 取单位数不少于 20 的最粗层级 / units of analysis; auto: the "
        "coarsest level with at least 20 units (default)",
    )
    p.add_argument(
        "--campaign", help="活动编号（有多个活动时）/ campaign id when there are several"
    )
    p.add_argument(
        "--input",
        type=Path,
        metavar="FILE",
        help="改用 CSV/Excel 整洁表 / analyse a tidy CSV or Excel table instead",
    )
    p.add_argument("--unit-col", help="单位列名 / unit column (with --input)")
    p.add_argument("--period-col", help="期间列名（月或季度）/ period column, month or quarter")
    p.add_argument("--count-col", help="计数列名 / count column")
    p.add_argument("--exposure-col", help="暴露量列名 / exposure column")
    p.add_argument("--treated-col", help="0/1 处理列名 / 0/1 treatment column")
    p.add_argument("--treated-units", nargs="+", metavar="UNIT", help="处理单位 / treated units")
    p.add_argument("--start", help="活动开始日期 / campaign start date")
    p.add_argument(
        "--design",
        choices=("auto", "yoy", "its", "did", "staggered"),
        default="auto",
        help="设计（默认自动）/ design (default: chosen from the data)",
    )
    p.add_argument(
        "--inference",
        choices=("auto", "cluster", "randomisation"),
        default="auto",
        help="推断方法 / inference (default: by the number of units)",
    )
    p.add_argument(
        "--confidence", type=float, default=0.95, help="置信水平 / confidence level (default 0.95)"
    )
    p.add_argument("--seed", type=int, default=0, help="随机种子 / random seed (default 0)")
    p.add_argument("--json", action="store_true", help="输出 JSON / print JSON")

    p = effect_sub.add_parser(
        "plan",
        help="下一次活动的评估设计：能检出多大的变化 / plan the next campaign's evaluation",
        description="以数据库中各单位近 N 个月的基线率和暴露量模拟试点，给出 80% 把握可检出的"
        "最小降幅，以及检出目标效应所需的试点单位数或月数 / from each unit's baseline rate and "
        "exposure in the store, simulate the pilot and give the smallest fall detected with "
        "80% power, and the pilot units or months a target effect needs",
    )
    p.set_defaults(func=_cmd_effect_plan, _outputs={"plot": (".png", ".svg", ".pdf")})
    add_store(p)
    p.add_argument(
        "--outcome",
        default="complaint",
        choices=("violation", "complaint", "discipline", "fault"),
        help="事件类型 / event type (default complaint)",
    )
    p.add_argument(
        "--level",
        choices=("branch", "county", "city"),
        default="county",
        help="试点单位的层级 / level of the pilot units (default county)",
    )
    p.add_argument(
        "--history", type=int, default=12, help="基线月数 / months of baseline (default 12)"
    )
    p.add_argument(
        "--pilot-units", type=int, default=7, help="试点单位数 / pilot units (default 7)"
    )
    p.add_argument(
        "--months-before", type=int, default=12, help="开始前月数 / months before (default 12)"
    )
    p.add_argument(
        "--months-after", type=int, default=12, help="开始后月数 / months after (default 12)"
    )
    p.add_argument(
        "--inference",
        choices=("auto", "cluster", "randomisation"),
        default="auto",
        help="推断方法 / inference (default: as the report would choose)",
    )
    p.add_argument(
        "--target", type=float, help="目标率比，如 0.8 即下降 20%% / target rate ratio, e.g. 0.8"
    )
    p.add_argument(
        "--simulations", type=int, default=100, help="模拟次数 / simulations (default 100)"
    )
    p.add_argument("--seed", type=int, default=0, help="随机种子 / random seed (default 0)")
    p.add_argument(
        "--plot", type=Path, metavar="FILE.png", help="写出把握曲线图 / write the power curve"
    )
    p.add_argument("--overwrite", action="store_true", help="覆盖已有图 / overwrite the plot")
    p.add_argument("--json", action="store_true", help="输出 JSON / print JSON")

    from assess.report.cli import add_report_parser

    add_report_parser(sub).set_defaults(_outputs={"out": ()})

    p = add("run", _cmd_run, "全流程：校验、导入、评分、成效分析、报告 / the whole job")
    p.epilog = (
        "写入 REPORTS/季度/：季度考评与每季一考工作簿、成效分析.json，以及 reports/ 下\n"
        "各单位季度考评报告、每季一考报告、活动成效分析报告和 index.html。\n"
        "某份报告失败时其余照常生成，失败列在 index.html 与 failures.json 中，退出码为 1。\n\n"
        "Writes into REPORTS/QUARTER/ the appraisal and exam workbooks, the effect analysis\n"
        "(JSON) and, under reports/, each unit's quarterly report, the exam report, the\n"
        "campaign's effect report and index.html. A failing report does not stop the others;\n"
        "it is listed in index.html and failures.json, and the exit code is 1."
    )
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.set_defaults(_outputs={"reports": ()})
    p.add_argument(
        "path", type=Path, help="CSV 文件夹或 Excel 工作簿 / folder of CSV files or a workbook"
    )
    add_store(p)
    _add_periods(p)
    p.add_argument("--quarter", required=True, help="考评季度 / quarter to appraise, e.g. 2026Q3")
    p.add_argument(
        "--reports", type=Path, default=Path("reports"), help="报告输出文件夹 / report folder"
    )
    p.add_argument(
        "--level",
        choices=("city", "county", "branch"),
        default="city",
        help="为哪一级单位出季度报告 / units that get a quarterly report (default city)",
    )
    p.add_argument("--workers", type=int, help="报告并行进程数 / report worker processes")
    p.add_argument(
        "--scheme",
        type=Path,
        help="评分方案 TOML（默认内置示例方案）/ scheme file "
        "(default: the shipped illustrative scheme)",
    )
    p.add_argument("--no-reports", action="store_true", help="不出 HTML 报告 / skip the reports")
    p.add_argument(
        "--seed",
        type=int,
        default=2026,
        help="本次运行唯一的随机种子（成效分析与各报告）/ the run's one random seed "
        "(effect analysis and every report; default 2026)",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="允许替换已导入或已发布的本季度数据 / allow replacing imported or "
        "published data of this quarter (earlier revisions stay readable)",
    )
    p.add_argument("--overwrite", action="store_true", help="覆盖已有输出文件 / overwrite outputs")
    p.add_argument("--note", default="", help="导入说明 / a note recorded with the import")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``assess`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_outputs(args)
        return int(args.func(args))
    except DataValidationError as exc:
        print(exc.report, file=sys.stderr)
        print("未导入任何数据 / nothing was imported", file=sys.stderr)
        return 1
    except AssessError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) closed the pipe: stop quietly, as Unix tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except OSError as exc:
        # A file the command needs cannot be read or written (a folder where a file is
        # expected, no permission, disk full): the system's words, no traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        reason = f"{where}{exc.strerror or exc}"
        message = bilingual(f"文件无法读写：{reason}", f"cannot read or write a file: {reason}")
        print(f"错误 / error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
