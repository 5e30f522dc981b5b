"""``assess report``: render one report, or one per unit with ``--all``.

Wired into the ``assess`` command by :func:`add_report_parser`; :func:`report_cli` runs
it on its own (same exit codes: 0 success, 1 a report or user error, 2 usage).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assess.core.errors import AssessError, bilingual
from assess.core.schema import LEVELS
from assess.report.errors import ReportParameterError
from assess.report.executors import EXECUTORS

__all__ = ["add_report_parser", "run_report_command", "report_cli"]

_EPILOG = """\
示例 / examples:
  assess report quarterly --quarter 2026Q3 --unit 0101           一份报告 / one report
  assess report quarterly --quarter 2026Q3 --all --level city    每个市公司一份 / one per city
  assess report effect --param campaign=SWSD2025 --format html,docx
  assess report quarterly --list-params                          列出参数 / list parameters

报告写入 reports/模板名/季度/；未变的报告不重新生成（--overwrite 强制）。
Reports go to reports/TEMPLATE/QUARTER/; unchanged reports are kept (--overwrite renders
them again).
"""


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            bilingual(f"参数应写作 名称=取值，实际为 {text!r}", f"expected KEY=VALUE, got {text!r}")
        )
    return key.strip(), value


def _formats(text: str) -> list[str]:
    return [f for f in text.replace("，", ",").split(",") if f.strip()]


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "template",
        metavar="NAME",
        help="报告模板：quarterly、effect、exam，或 .ipynb 文件 / template name or notebook file",
    )
    p.add_argument(
        "--param",
        "-p",
        action="append",
        type=_key_value,
        default=[],
        metavar="KEY=VALUE",
        help="设置模板参数，可重复 / set a template parameter (repeatable)",
    )
    p.add_argument("--quarter", help="考评季度，如 2026Q3 / quarter, e.g. 2026Q3")
    p.add_argument("--unit", help="单位编码（保持文本，如 0101）/ unit code (kept as text)")
    p.add_argument("--store", help="数据库文件 / store file")
    p.add_argument(
        "--out",
        type=Path,
        help="输出文件夹（默认 reports/模板名/季度）/ output folder "
        "(default reports/TEMPLATE/QUARTER)",
    )
    p.add_argument(
        "--format",
        type=_formats,
        default=["html"],
        metavar="html,docx,pdf",
        help="输出格式，逗号分隔（默认 html）/ output formats, comma-separated",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="为 --level 层级的每个单位各生成一份 / one report per unit at --level",
    )
    p.add_argument(
        "--level",
        choices=tuple(LEVELS),
        default="city",
        help="--all 的单位层级（默认 city）/ unit level for --all (default city)",
    )
    p.add_argument(
        "--workers",
        type=int,
        help="同时运行的报告数（默认 CPU 数）/ reports at a time (default: CPUs)",
    )
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="本机进程或 Dask 集群（默认 local）/ local processes or a Dask cluster",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask 调度器地址 / Dask scheduler address, e.g. tcp://host:8786",
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="单份报告的时限（秒）/ time limit of one report in seconds",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="即使输入未变也重新生成 / render even when nothing changed",
    )
    p.add_argument("--no-progress", action="store_true", help="不显示进度条 / no progress bar")
    p.add_argument(
        "--list-params",
        action="store_true",
        help="列出模板参数后退出 / list the template's parameters and exit",
    )


def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` subcommand to the ``assess`` command's subparsers.

    The subcommand's handler is set as ``func`` (``args.func(args)`` returns the exit code).
    """
    help_ = "生成报告（HTML、Word、PDF）/ render reports (HTML, Word, PDF)"
    p = subparsers.add_parser(
        "report",
        help=help_,
        description=help_,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _configure(p)
    p.set_defaults(func=run_report_command)
    return p


def _given(args: argparse.Namespace) -> dict[str, Any]:
    given: dict[str, Any] = {}
    for key, value in args.param:
        if key in given:
            raise ReportParameterError(
                bilingual(f"参数 {key!r} 给了两次", f"parameter {key!r} given twice")
            )
        given[key] = value
    for key in ("quarter", "unit", "store"):
        value = getattr(args, key)
        if value is None:
            continue
        if key in given:
            raise ReportParameterError(
                bilingual(
                    f"参数 {key!r} 既用 --{key} 又用 --param 给出",
                    f"parameter {key!r} given both as --{key} and --param",
                )
            )
        given[key] = value
    return given


def run_report_command(args: argparse.Namespace) -> int:
    """Handle parsed ``assess report`` arguments; returns the exit code.

    Raises
    ------
    AssessError
        Bad parameters, template, store or formats (the ``assess`` command prints it).
    """
    from assess.report.batch import render_batch, unit_parameter_sets
    from assess.report.params import read_parameters, validate_parameters
    from assess.report.runner import render_report
    from assess.report.templates import find_template

    template = find_template(args.template)
    if args.list_params:
        print(f"{template.stem} ({template})")
        for param in read_parameters(template):
            print("  " + param.describe())
        return 0
    given = _given(args)
    values = validate_parameters(template, given)
    out = args.out or Path(
        "reports", template.stem, *([str(values["quarter"])] if "quarter" in values else [])
    )
    if args.all:
        if "unit" in given or "store" not in values:
            raise ReportParameterError(
                bilingual(
                    "--all 为每个单位生成报告：不能再给 unit，且模板须有 store 参数",
                    "--all renders one report per unit: give no unit, and the template needs a "
                    "store parameter",
                )
            )
        sets = unit_parameter_sets(values["store"], level=args.level, common=given)
        batch = render_batch(
            template,
            sets,
            out_dir=out,
            formats=args.format,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            overwrite=args.overwrite,
            progress=not args.no_progress,
            timeout=args.timeout,
        )
        print(batch.summary())
        return 0 if batch.ok else 1
    result = render_report(
        template,
        given,
        out_dir=out,
        formats=args.format,
        overwrite=args.overwrite,
        timeout=args.timeout,
    )
    files = ", ".join(str(p) for p in result.files.values())
    if result.status == "skipped":
        print(
            bilingual(
                f"输入未变，沿用已有报告：{files}（--overwrite 重新生成）",
                f"inputs unchanged, report kept: {files} (--overwrite renders it again)",
            )
        )
    else:
        print(
            bilingual(
                f"报告已写入（{result.seconds:.1f} 秒）：{files}",
                f"report written in {result.seconds:.1f} s: {files}",
            )
        )
    return 0


def report_cli(argv: Sequence[str] | None = None) -> int:
    """Run ``assess report`` on its own: parse ``argv``, render, return the exit code."""
    parser = argparse.ArgumentParser(
        prog="assess report", epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _configure(parser)
    args = parser.parse_args(argv)
    try:
        return run_report_command(args)
    except AssessError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
