"""Shared helpers of the report tests: the small demo store and tiny test templates."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import nbformat

from assess.appraisal.scoring import score_quarter
from assess.core.dataset import Dataset
from assess.io.demo import generate
from assess.io.store import Store, read_for_scoring
from assess.io.validation import load_inputs

#: A unit name that must show as text, never run, in every page.
HOSTILE_NAME = "<script>alert(1)</script>福源县供电公司"


def demo_store(root: Path, quarter: str = "2026Q3") -> Path:
    """The small demo (seed 2026) validated and imported into a store under ``root``.

    Built once per test session and reused (tests only read it). The appraisal of
    ``quarter`` is scored and published, as ``assess run`` does: reports read it.
    """
    store = root / "demo.duckdb"
    if not store.exists():
        generate(root / "inputs", size="small", seed=2026, progress=False)
        dataset = load_inputs(root / "inputs")
        with Store.open(root / "building.duckdb") as building:
            building.import_dataset(dataset)
        publish_appraisal(root / "building.duckdb", quarter)
        (root / "building.duckdb").rename(store)
    return store


def publish_appraisal(store: Path, quarter: str) -> None:
    """Score ``quarter`` for the whole organisation and publish it, as ``assess score``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        appraisal = score_quarter(read_for_scoring(store, quarter=quarter), quarter=quarter)
    with Store.open(store) as db:
        db.publish("appraisal", quarter, appraisal.tables(), params=appraisal.params())


def hostile_store(source: Path, target: Path) -> Path:
    """A copy of ``source`` in which county ``0101`` is named :data:`HOSTILE_NAME`."""
    target.write_bytes(source.read_bytes())
    with Store.open(target) as store:
        units = store.read("units").units
        units.loc[units["unit_code"] == "0101", "unit_name"] = HOSTILE_NAME
        store.import_dataset(Dataset(units=units), note="hostile name for the escaping test")
    return target


def make_template(path: Path, parameters: str, *cells: str, title: str = "测试报告 / Test") -> Path:
    """Write a template: a title, the ``parameters`` cell, then one code cell per string."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]})
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}"),
        params,
        *(nbformat.v4.new_code_cell(c) for c in cells),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


_GENERATED = re.compile(r'^.*class="assess-generated".*$', re.MULTILINE)


def without_time(html: str) -> str:
    """A report page without its one generation-time line."""
    return _GENERATED.sub("", html)
