"""Every subcommand of `assess`, given bad arguments, fails cleanly.

Each case runs the command in an empty working folder and checks: exit code 1 (a user or
data error) or 2 (a usage error), a message in Chinese and English on standard error
naming what was wrong, no traceback, and no file written anywhere in the folder. A
subcommand listed by ``assess --help`` without a case here fails the coverage test.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from assess.cli import build_parser, main
from assess.io.store import Store
from assess.io.validation import load_inputs

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORDS = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,})+")


def _subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> set[str]:
    """Every command path, e.g. ``effect yoy``; a command with sub-forms lists each."""
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.add(" ".join((*prefix, name)))
                found |= _subcommands(sub, (*prefix, name))
    return found


@pytest.fixture(scope="module")
def store(small_demo, tmp_path_factory) -> Path:
    """A store holding the small demo (quarters 2024Q1 to 2026Q3)."""
    path = tmp_path_factory.mktemp("cli_errors") / "store.duckdb"
    with Store.open(path) as opened:
        opened.import_dataset(load_inputs(small_demo))
    return path


# (id, argv with {store}/{inputs}/{units_csv} placeholders, exit code, message on stderr)
CASES = [
    ("demo: a file as output folder", ["demo", "--out", "demo.csv"], 1, "应为文件夹而非文件"),
    ("demo: unknown size", ["demo", "--out", "d", "--size", "huge"], 2, "invalid choice"),
    ("validate: missing path", ["validate", "nowhere"], 1, "path not found"),
    (
        "validate: problems not .xlsx",
        ["validate", "{inputs}", "--problems", "p.csv"],
        1,
        "'--problems' must be a file name ending in .xlsx; got 'p.csv'",
    ),
    ("import: missing path", ["import", "nowhere"], 1, "找不到路径"),
    (
        "import: a folder as store",
        ["import", "{inputs}", "--store", "."],
        1,
        "parameter '--store' must be a store file such as data/assess.duckdb, not a folder",
    ),
    (
        "score: workbook under a .csv name",
        ["score", "--quarter", "2026Q3", "--store", "{store}", "--out", "x.csv"],
        1,
        "assess score：参数 '--out' 应为以 .xlsx 结尾的文件名，实际为 'x.csv'",
    ),
    ("score: no quarter", ["score", "--store", "{store}"], 2, "arguments are required: --quarter"),
    (
        "score: bad quarter",
        ["score", "--quarter", "2026Q5", "--store", "{store}"],
        1,
        "a quarter such as '2026Q3'",
    ),
    (
        "score: missing store",
        ["score", "--quarter", "2026Q3", "--store", "no.duckdb"],
        1,
        "no.duckdb",
    ),
    (
        "scheme check: missing file",
        ["scheme", "check", "nowhere.toml"],
        1,
        "nowhere.toml",
    ),
    ("scheme: no action", ["scheme"], 2, "usage error"),
    (
        "exam: workbook under a .csv name",
        ["exam", "--quarter", "2026Q3", "--store", "{store}", "--out", "x.csv"],
        1,
        "'--out' must be a file name ending in .xlsx",
    ),
    (
        "track: workbook under a .json name",
        ["track", "--as-of", "2026-09-30", "--store", "{store}", "--out", "x.json"],
        1,
        "'--out' must be a file name ending in .xlsx",
    ),
    (
        "track: a folder as store",
        ["track", "--as-of", "2026-09-30", "--store", "."],
        1,
        "不是文件夹",
    ),
    ("effect: no design", ["effect"], 2, "arguments are required: DESIGN"),
    (
        "effect yoy: negative count",
        ["effect", "yoy", "--before", "-1", "--after", "3"],
        1,
        "before",
    ),
    (
        "effect yoy: count not a number",
        ["effect", "yoy", "--before", "x", "--after", "3"],
        2,
        "invalid int",
    ),
    (
        "effect run: --input without columns",
        ["effect", "run", "--input", "{units_csv}"],
        1,
        "--unit-col is needed with --input",
    ),
    (
        "effect plan: plot under a .txt name",
        ["effect", "plan", "--store", "{store}", "--plot", "plan.txt"],
        1,
        "'--plot' must be a file name ending in .png or .svg or .pdf",
    ),
    (
        "effect plan: no pilot unit",
        ["effect", "plan", "--store", "{store}", "--pilot-units", "0"],
        1,
        "pilot",
    ),
    ("report: unknown template", ["report", "nosuch"], 1, "nosuch"),
    (
        "report: --template is no option",
        ["report", "--template", "{units_csv}"],
        2,
        "unrecognized arguments: --template",
    ),
    (
        "report: a CSV file as template",
        ["report", "{units_csv}"],
        1,
        "is not a Jupyter notebook (.ipynb)",
    ),
    ("report: KEY=VALUE expected", ["report", "quarterly", "--param", "quarter"], 2, "KEY=VALUE"),
    (
        "report: unknown parameter",
        ["report", "quarterly", "-p", "quater=2026Q3"],
        1,
        "did you mean 'quarter'",
    ),
    ("report: unknown format", ["report", "quarterly", "--format", "rtf"], 1, "output formats rtf"),
    (
        "report: a file as output folder",
        ["report", "quarterly", "--quarter", "2026Q3", "--out", "r.html"],
        1,
        "'--out' must be a folder, not a file",
    ),
    (
        "report: quarter not in the store",
        ["report", "quarterly", "--store", "{store}", "--quarter", "2030Q1", "--unit", "00"],
        1,
        "holds no data for 2030Q1",
    ),
    (
        "report: unit not in the store",
        ["report", "quarterly", "--store", "{store}", "--quarter", "2026Q3", "--unit", "9999"],
        1,
        "unit '9999' is not in the units table",
    ),
    (
        "report: privacy value",
        [
            "report",
            "quarterly",
            "--store",
            "{store}",
            "--quarter",
            "2026Q3",
            "-p",
            "privacy=public",
        ],
        1,
        "report parameter 'privacy' must be one of auto, masked, named; got 'public'",
    ),
    (
        "report: --all with a unit",
        ["report", "quarterly", "--all", "--store", "{store}", "--unit", "00"],
        1,
        "--all renders one report per unit",
    ),
    (
        "report --all: quarter not in the store",
        ["report", "quarterly", "--all", "--store", "{store}", "--quarter", "2030Q1"],
        1,
        "holds no data for 2030Q1",
    ),
    (
        "run: a file as report folder",
        ["run", "{inputs}", "--quarter", "2026Q3", "--reports", "r.html"],
        1,
        "'--reports' must be a folder, not a file",
    ),
    (
        "run: missing path",
        ["run", "nowhere", "--quarter", "2026Q3", "--store", "s.duckdb"],
        1,
        "nowhere",
    ),
]

# Every command path of `assess --help` and the cases that exercise it.
COVERED = {
    "demo",
    "validate",
    "import",
    "score",
    "scheme",
    "scheme check",
    "exam",
    "track",
    "effect",
    "effect yoy",
    "effect run",
    "effect plan",
    "report",
    "run",
}


def test_every_subcommand_has_a_case(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    commands = _subcommands(build_parser())
    for command in commands:
        if " " not in command:
            assert command in listed, f"assess --help does not list {command}"
    assert sorted(commands - COVERED) == [], "subcommands without a bad-argument case"
    tested = {
        " ".join(a for a in argv[:2] if not a.startswith(("-", "{"))) for _, argv, *_ in CASES
    }
    for command in COVERED:
        assert any(
            t == command or t.startswith(command + " ") or t.split()[0] == command for t in tested
        )


@pytest.mark.parametrize(
    ("argv", "code", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_arguments_fail_cleanly(
    argv, code, message, store, small_demo, tmp_path, monkeypatch, capsys
):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    values = {
        "store": str(store),
        "inputs": str(small_demo),
        "units_csv": str(Path(small_demo) / "units.csv"),
    }
    args = [a.format(**values) for a in argv]
    before = store.stat().st_mtime_ns
    try:
        got = main(args)
    except SystemExit as exc:  # argparse's usage errors
        got = exc.code
    err = capsys.readouterr().err
    assert got == code, err
    assert message in err
    assert CJK.search(err) and LATIN_WORDS.search(err), err
    assert "Traceback" not in err
    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*")) == []
    assert store.stat().st_mtime_ns == before
