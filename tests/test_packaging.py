"""A regular install carries everything the package reads at run time.

The report templates keep their one copy in ``notebooks/`` at the repository root;
``pyproject.toml`` maps that folder into the wheel as ``assess/notebooks/``. These tests
build the wheel from a copy of the project, check its files, and find the templates from
the unpacked wheel, away from any checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from assess.report import templates
from assess.report.errors import ReportError
from assess.report.templates import find_template

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "assess"
TEMPLATES = ROOT / "notebooks"


def _source_files() -> set[str]:
    """Every file the wheel must hold, as its name inside the wheel."""
    names = {
        f"assess/{p.relative_to(PACKAGE).as_posix()}"
        for p in PACKAGE.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and not any(part.startswith(".") for part in p.relative_to(PACKAGE).parts)
    }
    return names | {f"assess/notebooks/{p.name}" for p in TEMPLATES.glob("*.ipynb")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if int(metadata.version("setuptools").split(".")[0]) < 77:
        pytest.skip("building the wheel offline needs setuptools>=77: pip install 'setuptools>=77'")
    tmp = tmp_path_factory.mktemp("wheel")
    project = tmp / "project"
    # A copy, so the build's build/ and *.egg-info never land in the checkout.
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*")
    shutil.copytree(ROOT / "src", project / "src", ignore=ignore)
    shutil.copytree(TEMPLATES, project / "notebooks", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--wheel-dir",
            str(tmp / "dist"),
            str(project),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (found,) = (tmp / "dist").glob("assess-*.whl")
    return found


def test_wheel_holds_every_module_data_file_and_template(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert _source_files() - names == set()
    assert {
        "assess/notebooks/quarterly_appraisal.ipynb",
        "assess/notebooks/effect_analysis.ipynb",
        "assess/notebooks/exam_analysis.ipynb",
        "assess/resources/default_scheme.toml",
        "assess/report/html/assess/index.html.j2",
        "assess/report/html/assess/assess.css",
        "assess/report/html/assess/conf.json",
    } <= names
    # nothing of the repository beyond the package: no top-level notebooks/ or tests/
    dist_info = "-".join(wheel.name.split("-")[:2]) + ".dist-info"
    assert {n.split("/")[0] for n in names} == {"assess", dist_info}


def test_unpacked_wheel_finds_its_templates_and_scheme_away_from_a_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ASSESS_TEMPLATES"}
    env["PYTHONPATH"] = str(site)
    code = textwrap.dedent("""
        import json, assess
        from assess.report.templates import find_template, list_templates
        from assess.core.scheme import default_scheme_path
        print(json.dumps({
            "package": assess.__file__,
            "quarterly": str(find_template("quarterly")),
            "templates": {k: str(v) for k, v in list_templates().items()},
            "scheme": str(default_scheme_path()),
        }))
    """)
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    installed = site / "assess"
    assert found["package"] == str(installed / "__init__.py")
    assert found["quarterly"] == str(installed / "notebooks" / "quarterly_appraisal.ipynb")
    assert found["templates"] == {
        p.stem: str(installed / "notebooks" / p.name) for p in TEMPLATES.glob("*.ipynb")
    }
    assert found["scheme"] == str(installed / "resources" / "default_scheme.toml")


def test_checkout_runs_use_the_notebooks_folder_in_place(monkeypatch, tmp_path):
    # an editable install (make test, make demo) reads notebooks/ itself: edits need no reinstall
    monkeypatch.delenv("ASSESS_TEMPLATES", raising=False)
    monkeypatch.chdir(tmp_path)
    assert find_template("quarterly") == TEMPLATES / "quarterly_appraisal.ipynb"


def test_without_any_template_the_error_lists_none(monkeypatch):
    # what an install without templates says, instead of offering aliases that cannot resolve
    monkeypatch.setattr(templates, "template_dirs", list)
    with pytest.raises(ReportError, match=r"可用：（无） / no report template .*known: \(none\)"):
        find_template("quarterly")
