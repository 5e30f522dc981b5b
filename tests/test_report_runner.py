"""The report runner: every template end to end, outputs, isolation, errors, determinism, resume."""

from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path

import docx
import nbformat
import pandas as pd
import papermill  # noqa: F401 - imported here so that forked report children inherit it
import pytest

from _report_support import HOSTILE_NAME, demo_store, hostile_store, make_template, without_time
from assess.appraisal.scoring import score_quarter
from assess.core.dataset import Dataset
from assess.core.errors import StoreError
from assess.core.scheme import load_scheme
from assess.exams import analyse_exam
from assess.io.store import Store, read_store
from assess.report import (
    ExportError,
    ReportExecutionError,
    ReportParameterError,
    render_batch,
    render_report,
)
from assess.report._files import atomic_write, sweep_temporaries
from assess.report.render import check_self_contained

REMOTE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?https?:""", re.I)


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    return demo_store(tmp_path_factory.getbasetemp() / "report-demo")


def check_page(html: str) -> None:
    """What every report page must satisfy."""
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    for bad in (
        "Traceback",
        "Glyph",
        "<script",
        "In&nbsp;[",
        "# Parameters",
        "read_store(",
        "import assess",
        "application/vnd.assess.results",
    ):
        assert bad not in html, bad
    assert not REMOTE.search(html), REMOTE.search(html)
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"' in html
    assert "url(data:font/woff;base64," in html
    check_self_contained(html)


def check_docx(path: Path, title: str) -> None:
    document = docx.Document(path)
    text = "\n".join(p.text for p in document.paragraphs)
    assert title in text
    assert document.tables, "tables must reach the DOCX"
    assert document.inline_shapes, "charts must reach the DOCX"


# ---------------------------------------------------------------- the shipped templates


def scheme_exam(data: Dataset, unit: str):
    """The exam of 2026Q3 under the default scheme's rule (who must sit, the pass mark),
    spelled out with analyse_exam rather than through exam_of_quarter."""
    rule = load_scheme().exam
    return analyse_exam(
        data.exam_items,
        data.exam_responses,
        quarter="2026Q3",
        staff=data.staff,
        units=data.units,
        unit=unit,
        eligible=data.staff.loc[data.staff["post"].isin(rule.eligible_posts), "person_id"],
        pass_mark=rule.pass_mark,
    )


def test_quarterly_end_to_end(store, tmp_path):
    result = render_report(
        "quarterly",
        {"quarter": "2026Q3", "unit": "01", "store": str(store)},
        out_dir=tmp_path,
        formats=["html", "docx"],
    )
    assert result.status == "ok" and result.stem == "quarterly_appraisal_2026Q3_01"
    assert {k: p.is_file() for k, p in result.files.items()} == dict.fromkeys(
        ("ipynb", "html", "docx", "json"), True
    )
    data = read_store(store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The one appraisal of the whole organisation, taken for the city (as published).
        appraisal = score_quarter(data, quarter="2026Q3").for_unit("01", data.units)
        exam = scheme_exam(data, "01")
    saved = json.loads(result.files["json"].read_text(encoding="utf-8"))
    members = appraisal.members
    expected = {
        "unit_name": "国网福城供电公司",
        "members": len(members),
        "index_mean": members["index"].mean(),
        "index_median": members["index"].median(),
        "watch_list": len(appraisal.watch),
        "exam_pass_rate": exam.overview.iloc[-1]["pass_rate"],
        "grades": members["grade"].value_counts().to_dict(),
    }
    # The events, tracking and robustness figures are checked in test_report_quarterly.py.
    assert {k: saved["results"][k] for k in expected} == expected
    assert saved["results"] == result.results
    html = result.files["html"].read_text(encoding="utf-8")
    check_page(html)
    assert "国网福城供电公司" in html and "先锋指数" in html and "<img" in html
    # A city report masks members: no full name of a member may appear.
    assert not any(name in html for name in members["name"] if len(name) > 1)
    check_docx(result.files["docx"], "党建工作季度考评报告")
    executed = nbformat.read(result.files["ipynb"], as_version=4)
    assert executed.metadata["assess"]["provenance"]["parameters"]["unit"] == "01"
    with Store.open(store, read_only=True) as opened:
        assert saved["provenance"]["inputs"]["store"] == opened.content_sha256()


def test_quarterly_report_of_one_branch_names_its_members(store, tmp_path):
    result = render_report(
        "quarterly", {"quarter": "2026Q3", "unit": "010101", "store": str(store)}, out_dir=tmp_path
    )
    assert result.status == "ok"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = read_store(store)
        members = score_quarter(data, quarter="2026Q3").for_unit("010101", data.units).members
    assert result.results["members"] == len(members) > 0
    assert result.results["index_mean"] == members["index"].mean()
    # At branch level the members are shown by name.
    html = result.files["html"].read_text(encoding="utf-8")
    check_page(html)
    assert any(name in html for name in members["name"] if len(name) > 1)


def test_exam_end_to_end(store, tmp_path):
    result = render_report(
        "exam", {"unit": "0101", "store": str(store)}, out_dir=tmp_path, formats=["html", "docx"]
    )
    data = read_store(store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exam = scheme_exam(data, "0101")
    overall = exam.overview.iloc[-1]
    assert result.results == {
        "unit_name": "国网福源县供电公司",
        "takers": overall["takers"],
        **{
            k: overall[k]
            for k in ("participation", "score_mean", "pass_rate", "pass_ci_low", "pass_ci_high")
        },
    }
    check_page(result.files["html"].read_text(encoding="utf-8"))
    check_docx(result.files["docx"], "每季一考分析报告")


def test_effect_end_to_end(store, tmp_path):
    from assess.effect.campaign import analyse_campaign

    result = render_report(
        "effect", {"store": str(store), "metrics": "complaint"}, out_dir=tmp_path
    )
    expected = analyse_campaign(
        read_store(store), outcomes=["complaint"], campaign_id="SWSD2025", seed=2026
    ).results["complaint"]
    assert result.results["complaint"] == json.loads(json.dumps(expected.to_dict()))
    assert result.results["complaint_change"] == pytest.approx(expected.estimate - 1)
    html = result.files["html"].read_text(encoding="utf-8")
    check_page(html)
    assert "活动成效分析报告" in html and expected.verdict.zh.split("。")[0] in html


# ---------------------------------------------------------------- isolation

LEAKS = """\
import os
import matplotlib
import pandas as pd
import assess.report as ar
if unit == "set":
    leak = 1
    matplotlib.rcParams["axes.titlesize"] = 31
    pd.set_option("display.max_rows", 7)
    ar.leaked_attribute = True
ar.publish_key_results({
    "variable": "leak" in globals(),
    "rcparam": str(matplotlib.rcParams["axes.titlesize"]),
    "pandas_option": pd.get_option("display.max_rows"),
    "module_attribute": hasattr(ar, "leaked_attribute"),
    "pid": os.getpid(), "parent": os.getppid()})
"""


def test_nothing_a_report_sets_reaches_the_next(tmp_path):
    template = make_template(tmp_path / "leaks.ipynb", 'unit: str = "set"  # 模式 / mode', LEAKS)
    batch = render_batch(
        template,
        [{"unit": "set"}, {"unit": "check"}],
        out_dir=tmp_path / "out",
        workers=1,
        progress=False,
    )
    first, second = (r.results for r in batch.reports)
    assert first["variable"] and first["rcparam"] == "31.0" and first["pandas_option"] == 7
    assert second == {
        **second,
        "variable": False,
        "rcparam": "large",
        "pandas_option": 60,
        "module_attribute": False,
    }
    # Same warm parent, a fresh child per report.
    assert first["parent"] == second["parent"] and first["pid"] != second["pid"]
    assert pd.get_option("display.max_rows") == 60  # nor the calling process


# ---------------------------------------------------------------- escaping


def test_data_is_escaped_in_report_and_index(store, tmp_path):
    hostile = hostile_store(store, tmp_path / "hostile.duckdb")
    template = make_template(
        tmp_path / "names.ipynb",
        'unit: str = "0101"  # 单位 / unit\nstore: str = ""  # 数据库 / store',
        "import assess.report as ar\nfrom assess.io.store import Store, read_store\n"
        "from IPython.display import Markdown, display\n"
        "info = ar.unit_info(read_store(store).units, unit)\n"
        'display(ar.cover(info, quarter="2026Q3", title=("报告", "Report")))\n'
        'display(Markdown(f"**{info.name}**"))\n'
        "display(read_store(store).units.head(8))\n"
        'ar.publish_key_results({"n": 1}, title=info.name)',
    )
    batch = render_batch(
        template,
        [{"unit": "0101", "store": str(hostile)}],
        out_dir=tmp_path / "out",
        formats=["html", "docx"],
        progress=False,
    )
    assert batch.ok, batch.reports[0].error
    for page in (batch.reports[0].files["html"], batch.index):
        html = page.read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;福源县供电公司" in html
        assert "<script>alert" not in html and "<script" not in html
    document = docx.Document(batch.reports[0].files["docx"])
    assert any(HOSTILE_NAME in p.text for p in document.paragraphs)


# ---------------------------------------------------------------- errors before running


def test_bad_parameters_missing_store_unknown_unit(store, tmp_path):
    with pytest.raises(ReportParameterError, match=r"没有参数 'unti'.*did you mean 'unit'"):
        render_report("quarterly", {"unti": "01"}, out_dir=tmp_path)
    with pytest.raises(StoreError, match=r"找不到数据库文件 .*nowhere.duckdb"):
        render_report("quarterly", {"store": str(tmp_path / "nowhere.duckdb")}, out_dir=tmp_path)
    with pytest.raises(
        ReportParameterError,
        match=r"单位编码 '0109' 不在数据库 .* 的组织机构表中；相近的编码：0102, 01",
    ):
        render_report("quarterly", {"unit": "0109", "store": str(store)}, out_dir=tmp_path)
    with pytest.raises(ReportParameterError, match=r"参数 'quarter' 应为季度.*实际为 '2026Q5'"):
        render_report("quarterly", {"quarter": "2026Q5", "store": str(store)}, out_dir=tmp_path)
    with pytest.raises(ReportParameterError, match=r"可选 html, docx, pdf"):
        render_report("quarterly", {"store": str(store)}, out_dir=tmp_path, formats=["odt"])
    assert not list(tmp_path.iterdir()), "nothing may run or be written"


def test_pdf_without_chromium_is_a_clear_error(store, tmp_path, monkeypatch):
    monkeypatch.setattr("assess.report.export.find_browser", lambda: None)
    monkeypatch.setattr("assess.report.runner.find_browser", lambda: None)
    with pytest.raises(ExportError, match=r"未找到 Chromium.*apt-get install chromium"):
        render_report("quarterly", {"store": str(store)}, out_dir=tmp_path, formats=["html", "pdf"])


# ---------------------------------------------------------------- failures while running

SIMPLE = 'unit: str = "01"  # 单位 / unit'


def test_failing_cell_saves_the_notebook_with_the_error(tmp_path):
    template = make_template(tmp_path / "fails.ipynb", SIMPLE, "x = 1", "1 / 0")
    with pytest.raises(
        ReportExecutionError,
        match=r"报告单元 In\[4\] 出错：ZeroDivisionError: division by zero"
        r"(.|\n)*out/failed/fails_01.failed.ipynb",
    ):
        render_report(template, out_dir=tmp_path / "out")
    # Failed notebooks are kept in one folder, never beside the reports.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["failed"]
    saved = nbformat.read(tmp_path / "out" / "failed" / "fails_01.failed.ipynb", as_version=4)
    assert saved.cells[-1].outputs[-1].ename == "ZeroDivisionError"
    assert "papermill-error-cell-tag" in saved.cells[0].metadata["tags"]
    assert not (tmp_path / "out" / "fails_01.html").exists()


def test_output_with_warnings_fails_the_report(tmp_path):
    template = make_template(
        tmp_path / "warns.ipynb",
        SIMPLE,
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.set_title('先锋指数')\n"
        "plt.show()",
    )
    with pytest.raises(ReportExecutionError, match=r"警告或错误信息.*Glyph 20808 .* missing"):
        render_report(template, out_dir=tmp_path / "out")
    assert (tmp_path / "out" / "failed" / "warns_01.failed.ipynb").is_file()


def test_timeout_stops_the_report(tmp_path):
    template = make_template(tmp_path / "slow.ipynb", SIMPLE, "import time\ntime.sleep(30)")
    with pytest.raises(ReportExecutionError, match=r"longer than 1 s"):
        render_report(template, out_dir=tmp_path / "out", timeout=1)


def test_a_killed_report_leaves_no_temporary_files(tmp_path):
    import queue

    from assess.report._warm_parent import WarmParent
    from assess.report.runner import plan_report

    where = make_template(
        tmp_path / "where.ipynb",
        SIMPLE,
        "import tempfile\nimport assess.report as ar\n"
        'ar.publish_key_results({"tmp": tempfile.gettempdir()})',
    )
    slow = make_template(tmp_path / "slow.ipynb", SIMPLE, "import time\ntime.sleep(30)")
    quick, killed = plan_report(where), plan_report(slow)
    parent = WarmParent()
    reply: queue.SimpleQueue = queue.SimpleQueue()
    try:
        parent.submit(quick, reply)
        parent.submit(killed, reply, timeout=1)
        outcomes = {o.stem: o for _, o in (reply.get(timeout=120), reply.get(timeout=120))}
    finally:
        parent.close()
    scratch = Path(outcomes[quick.stem].key_results["results"]["tmp"])
    assert scratch.name.startswith("assess-warm-")
    assert "longer than 1 s" in outcomes[killed.stem].error
    assert not scratch.exists()  # with the killed child's papermill folder in it


# ---------------------------------------------------------------- determinism and resume

PLOTTING = """\
import matplotlib.pyplot as plt
from IPython.display import display
import pandas as pd
import assess.report as ar
from assess.core.plotting import new_axes
ax = new_axes()
ax.bar(["党员", "非党员"], [3, 5])
ax.set_title(f"单位 {unit}")
plt.show()
display(pd.DataFrame({"指标": ["违章", "投诉"], "次数": [1, 2]}))
ar.publish_key_results({"bars": 2, "share": 3 / 8}, title=f"单位 {unit}")
"""


def test_same_inputs_same_page_but_the_time_line(tmp_path):
    template = make_template(tmp_path / "plot.ipynb", SIMPLE, PLOTTING)
    first = render_report(template, out_dir=tmp_path / "a", formats=["html"])
    second = render_report(template, out_dir=tmp_path / "b", formats=["html"])
    one, two = (r.files["html"].read_text(encoding="utf-8") for r in (first, second))
    assert one.count('class="assess-generated"') == 1 and "data:image/png;base64," in one
    assert without_time(one) == without_time(two)
    records = [json.loads(r.files["json"].read_text(encoding="utf-8")) for r in (first, second)]
    for record in records:
        record["provenance"].pop("generated_at")
    assert records[0] == records[1]
    assert records[0]["results"] == {"bars": 2, "share": 0.375}
    assert (
        records[0]["provenance"]["template_sha256"]
        == __import__("hashlib").sha256(template.read_bytes()).hexdigest()
    )


def test_finished_reports_are_kept_until_inputs_change(tmp_path):
    template = make_template(tmp_path / "plot.ipynb", SIMPLE, PLOTTING)
    out = tmp_path / "out"
    first = render_report(template, out_dir=out)
    html = first.files["html"]
    stamp = html.stat().st_mtime_ns
    assert render_report(template, out_dir=out).status == "skipped"
    assert render_report(template, out_dir=out, overwrite=True).status == "ok"
    assert html.stat().st_mtime_ns != stamp
    first.files["json"].unlink()  # a run killed before its record: render again
    assert render_report(template, out_dir=out).status == "ok"
    make_template(template, SIMPLE, PLOTTING + "\nx = 2")  # the template changed
    assert render_report(template, out_dir=out).status == "ok"
    assert render_report(template, out_dir=out).status == "skipped"


def test_atomic_write_leaves_old_file_or_new_file(tmp_path, monkeypatch):
    target = atomic_write(tmp_path / "r.html", b"old")

    def killed(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new" * 1000)
    monkeypatch.undo()
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["r.html"]
    # A temporary file of a process that no longer exists is swept; ours is kept.
    (tmp_path / ".assess-tmp-999999999-r.html").write_bytes(b"half")
    (tmp_path / f".assess-tmp-{os.getpid()}-x.html").write_bytes(b"mine")
    assert sweep_temporaries(tmp_path) == 1
    assert sorted(os.listdir(tmp_path)) == [f".assess-tmp-{os.getpid()}-x.html", "r.html"]


@pytest.mark.slow  # a fresh interpreter imports everything: several seconds
def test_without_fork_each_report_runs_in_a_fresh_process(tmp_path, monkeypatch):
    monkeypatch.setattr("assess.report.isolation.can_fork", lambda: False)
    template = make_template(
        tmp_path / "spawn.ipynb",
        SIMPLE,
        'import os\nimport assess.report as ar\nar.publish_key_results({"pid": os.getpid()})',
    )
    result = render_report(template, out_dir=tmp_path / "out")
    assert result.status == "ok" and result.results["pid"] != os.getpid()


def test_preloaded_store_is_used_only_while_unchanged(store, tmp_path):
    from assess.report.content import load_store, preload_store

    copy = hostile_store(store, tmp_path / "copy.duckdb")
    preload_store(copy)
    first = load_store(copy)
    assert load_store(copy) is first  # what a forked report child gets at once
    units = first.units.copy()
    units.loc[units["unit_code"] == "01", "unit_name"] = "改名后的市公司"
    with Store.open(copy) as opened:
        opened.import_dataset(Dataset(units=units))
    fresh = load_store(copy)
    assert fresh is not first
    assert fresh.units.set_index("unit_code").at["01", "unit_name"] == "改名后的市公司"
