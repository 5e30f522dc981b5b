"""Batches: one report per unit, index and failure summary, resume, the CLI, Dask."""

from __future__ import annotations

import json

import papermill  # noqa: F401 - imported here so that forked report children inherit it
import pytest

from _report_support import demo_store, make_template, without_time
from assess.report import DaskExecutor, render_batch, render_reports, unit_parameter_sets
from assess.report.cli import report_cli

UNIT_REPORT = """\
import assess.report as ar
from assess.io.store import read_store
from assess.core.plotting import new_axes
import matplotlib.pyplot as plt
if unit == "0102":
    raise ValueError("这个单位的数据有问题 / this unit's data is broken")
data = read_store(store, tables=["units", "staff"])
info = ar.unit_info(data.units, unit)
display(ar.cover(info, quarter=quarter, title=("人员报告", "Staff report")))
staff = data.staff
members = int(staff["is_party_member"].sum())
ax = new_axes()
ax.bar(["党员", "非党员"], [members, len(staff) - members])
plt.show()
ar.publish_key_results({"staff": len(staff), "member_share": members / len(staff)},
                       labels={"staff": "人数 Staff", "member_share": "党员占比 Members"},
                       percent=["member_share"], title=f"{info.name} 人员报告")
"""
PARAMS = (
    'quarter: str = "2026Q3"  # 季度 / quarter\n'
    'unit: str = "00"  # 单位编码 / unit code\n'
    'store: str = "data/assess.duckdb"  # 数据库文件 / store file'
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return demo_store(tmp_path_factory.getbasetemp() / "report-demo")


@pytest.fixture
def template(tmp_path):
    return make_template(
        tmp_path / "staff.ipynb",
        PARAMS,
        "from IPython.display import display\n" + UNIT_REPORT,
        title="人员报告 / Staff report",
    )


def test_unit_parameter_sets(store):
    sets = unit_parameter_sets(store, level="county", common={"quarter": "2026Q3"})
    assert sets == [
        {"quarter": "2026Q3", "store": str(store), "unit": u}
        for u in ("0101", "0102", "0201", "0202")
    ]


def test_cli_batch_continues_past_a_failure_writes_index_and_resumes(
    store, template, tmp_path, capsys
):
    out = tmp_path / "reports"
    argv = [
        str(template),
        "--store",
        str(store),
        "--all",
        "--level",
        "county",
        "--out",
        str(out),
        "--workers",
        "2",
        "--no-progress",
    ]
    assert report_cli(argv) == 1
    printed = capsys.readouterr().out
    assert "共 4 份报告：新生成 3 份，未变沿用 0 份，失败 1 份" in printed
    assert "failures.json" in printed
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert [f["report"] for f in failures] == ["staff_2026Q3_0102"]
    assert "ValueError: 这个单位的数据有问题" in failures[0]["error"]
    assert failures[0]["notebook"] == "failed/staff_2026Q3_0102.failed.ipynb"
    assert (out / failures[0]["notebook"]).is_file()
    assert (
        f"出错的笔记本在 {out / 'failed'}" in printed and "the failed notebooks are in" in printed
    )
    assert not list(out.glob("*.failed.ipynb"))  # none beside the reports
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="failed/staff_2026Q3_0102.failed.ipynb"' in index
    for unit in ("0101", "0201", "0202"):
        assert f'<a href="staff_2026Q3_{unit}.html">' in index
    assert index.count('<tr class="ok">') == 3 and index.count('<tr class="failed">') == 1
    assert "人数 Staff" in index and "党员占比 Members" in index and "%</td>" in index
    assert "这个单位的数据有问题" in index
    record = json.loads((out / "staff_2026Q3_0101.json").read_text(encoding="utf-8"))
    assert record["results"]["staff"] > 0 and record["parameters"]["unit"] == "0101"
    # Run again: finished reports are kept, the failing one is tried again.
    assert report_cli(argv) == 1
    assert "新生成 0 份，未变沿用 3 份，失败 1 份" in capsys.readouterr().out
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('<tr class="skipped">') == 3


COUNT_REPORT = """\
import assess.report as ar
if unit == "broken":
    raise RuntimeError("坏了 / broken")
ar.publish_key_results({"letters": len(unit)}, labels={"letters": "字数 Letters"},
                       title=f"计数 {unit}")
"""


def test_reports_of_several_templates_share_one_index_and_failures(store, template, tmp_path):
    counting = make_template(
        tmp_path / "count.ipynb",
        'unit: str = "x"  # 单位 / unit',
        COUNT_REPORT,
        title="计数报告 / Count report",
    )
    staff = {"quarter": "2026Q3", "store": str(store), "unit": "0101"}
    batch = render_reports(
        [(template, staff), (counting, {"unit": "abc"}), (counting, {"unit": "broken"})],
        out_dir=tmp_path / "out",
        workers=2,
        progress=False,
        title="混合 / mixed",
    )
    assert [r.status for r in batch.reports] == ["ok", "ok", "failed"]
    assert [r.template for r in batch.reports] == [
        "人员报告 / Staff report",
        "计数报告 / Count report",
        "计数报告 / Count report",
    ]
    assert batch.reports[1].results == {"letters": 3}
    failures = json.loads(batch.failures.read_text(encoding="utf-8"))
    assert [f["report"] for f in failures] == ["count_broken"]
    index = batch.index.read_text(encoding="utf-8")
    # A section per template, each with its own key figures.
    staff_part, count_part = index.split("<h2>计数报告 / Count report</h2>")
    assert "<h2>人员报告 / Staff report</h2>" in staff_part
    assert "人数 Staff" in staff_part and "字数 Letters" not in staff_part
    assert "字数 Letters" in count_part and "人数 Staff" not in count_part
    assert '<td class="num">3</td>' in count_part and "坏了 / broken" in count_part


def test_cli_single_report_and_parameter_listing(store, template, tmp_path, capsys):
    assert report_cli([str(template), "--list-params"]) == 0
    listing = capsys.readouterr().out
    assert "unit: str = '00'  单位编码 / unit code" in listing
    out = tmp_path / "one"
    assert (
        report_cli(
            [
                str(template),
                "--unit",
                "0201",
                "--store",
                str(store),
                "--out",
                str(out),
                "--format",
                "html,docx",
            ]
        )
        == 0
    )
    assert "报告已写入" in capsys.readouterr().out
    assert (out / "staff_2026Q3_0201.docx").is_file()
    assert (
        report_cli(
            [
                str(template),
                "--param",
                "unit=0201",
                "--store",
                str(store),
                "--out",
                str(out),
                "--format",
                "html,docx",
            ]
        )
        == 0
    )
    assert "输入未变，沿用已有报告" in capsys.readouterr().out
    assert report_cli([str(template), "--param", "units=0201", "--store", str(store)]) == 1
    assert "没有参数 'units'" in capsys.readouterr().err
    assert report_cli([str(template), "--unit", "0201", "--param", "unit=0202"]) == 1
    assert "既用 --unit 又用 --param" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        report_cli([str(template), "--param", "unit"])
    assert stop.value.code == 2


def test_dask_and_local_give_identical_reports(store, template, tmp_path):
    import distributed

    sets = unit_parameter_sets(store, level="county", common={"quarter": "2026Q3"})
    sets = [s for s in sets if s["unit"] in ("0101", "0201")]
    local = render_batch(template, sets, out_dir=tmp_path / "local", workers=2, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask = render_batch(
            template,
            sets,
            out_dir=tmp_path / "dask",
            progress=False,
            executor=DaskExecutor(client=client),
        )
    assert local.ok and dask.ok
    for a, b in zip(local.reports, dask.reports, strict=True):
        assert a.stem == b.stem and a.results == b.results
        pages = [r.files["html"].read_text(encoding="utf-8") for r in (a, b)]
        assert without_time(pages[0]) == without_time(pages[1])


def test_index_writes_p_values_as_statistics_reports_do(tmp_path):
    from assess.report.index import index_html
    from assess.report.runner import ReportResult

    report = ReportResult(
        "effect_x",
        "ok",
        {},
        {"campaign": "X"},
        key_results={
            "results": {"complaint_p_value": 2.189e-24, "violation_p_value": 0.0761, "c": 0.25},
            "labels": {"complaint_p_value": "投诉 p 值"},
            "percent": ["c"],
        },
    )
    page = index_html([report], title="索引", out_dir=tmp_path)
    assert '<td class="num">&lt; 0.001</td>' in page and "e-24" not in page
    assert '<td class="num">0.076</td>' in page and '<td class="num">25.0%</td>' in page
    assert '<th class="num">投诉 p 值</th>' in page
