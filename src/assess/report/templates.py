"""Where report templates (notebooks) are found, and their short names.

A template is named by a short alias (``quarterly``), its file stem
(``quarterly_appraisal``) or a path to an ``.ipynb`` file. Names are looked up, first
match winning, in

1. the folders of the ``ASSESS_TEMPLATES`` environment variable (``os.pathsep``-separated);
2. ``assess/notebooks/`` of an installed package: the build ships ``notebooks/`` of the
   repository there (``package-dir`` in ``pyproject.toml``), so a wheel carries them;
3. ``notebooks/`` of the source checkout this package runs from: an editable install
   (``pip install -e .``) or ``PYTHONPATH=src`` reads the templates in place, so edits take
   effect without reinstalling;
4. ``notebooks/`` of the working directory.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from assess.core.errors import bilingual
from assess.report.errors import ReportError

__all__ = [
    "ALIASES",
    "template_dirs",
    "find_template",
    "list_templates",
    "notebook_title",
    "template_title",
]

#: Short names accepted on the command line.
ALIASES: dict[str, str] = {
    "quarterly": "quarterly_appraisal",
    "effect": "effect_analysis",
    "exam": "exam_analysis",
}


def template_dirs() -> list[Path]:
    """The folders searched for templates, in order (existing ones only)."""
    dirs = [Path(p) for p in os.environ.get("ASSESS_TEMPLATES", "").split(os.pathsep) if p]
    dirs += [
        Path(str(resources.files("assess") / "notebooks")),
        Path(__file__).resolve().parents[3] / "notebooks",
        Path.cwd() / "notebooks",
    ]
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.append(d.resolve())
    return seen


def list_templates() -> dict[str, Path]:
    """Every template found: stem → file."""
    found: dict[str, Path] = {}
    for d in reversed(template_dirs()):
        found.update({p.stem: p for p in sorted(d.glob("*.ipynb"))})
    return dict(sorted(found.items()))


def find_template(name: str | os.PathLike[str]) -> Path:
    """The notebook file of a template name, alias or path.

    Raises
    ------
    ReportError
        No such file, or no template of that name (the message lists the known ones).

    Examples
    --------
    >>> find_template("quarterly").name
    'quarterly_appraisal.ipynb'
    """
    text = os.fspath(name)
    path = Path(text)
    if path.suffix == ".ipynb" or os.sep in text or "/" in text:
        if not path.is_file():
            raise ReportError(
                bilingual(f"找不到报告模板文件 {path}", f"report template {path} not found")
            )
        return path.resolve()
    stem = ALIASES.get(text, text)
    for d in template_dirs():
        candidate = d / f"{stem}.ipynb"
        if candidate.is_file():
            return candidate
    found = list_templates()
    known = ", ".join(
        [
            *(a for a, s in ALIASES.items() if s in found),
            *(s for s in found if s not in ALIASES.values()),
        ]
    )
    raise ReportError(
        bilingual(
            f"没有名为 {text!r} 的报告模板；可用：{known or '（无）'}",
            f"no report template named {text!r}; known: {known or '(none)'}",
        )
    )


def notebook_title(nb: Any) -> str | None:
    """The first level-1 Markdown heading of a notebook, if any."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def template_title(path: str | os.PathLike[str]) -> str:
    """The first level-1 Markdown heading of a template, or its file stem."""
    import nbformat

    return notebook_title(nbformat.read(path, as_version=4)) or Path(path).stem
