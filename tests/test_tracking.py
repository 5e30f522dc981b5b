"""Tests of the red/yellow/green rules and of projects, problems and duties tracking."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assess.core.errors import ParameterError
from assess.core.intervals import wilson_rate
from assess.tracking.duties import track_duties
from assess.tracking.problems import track_problems
from assess.tracking.projects import track_projects
from assess.tracking.status import rag_status

AS_OF = "2026-09-30"


def days(*offsets: int | None) -> pd.Series:
    """Dates as offsets in days from AS_OF (None: missing)."""
    base = pd.Timestamp(AS_OF)
    return pd.Series(
        [pd.NaT if o is None else base + pd.Timedelta(days=o) for o in offsets],
        dtype="datetime64[ns]",
    )


# --------------------------------------------------------------------------------------
# The shared rule
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "done", "expected"),
    [
        (-1, None, "red"),  # deadline was yesterday
        (-400, None, "red"),
        (-1, -5, "green"),  # done before the deadline
        (-1, 0, "green"),  # done late, but done by as_of
        (-1, 1, "red"),  # done after as_of: still open on as_of
        (0, None, "yellow"),  # due today: still in time
        (14, None, "yellow"),
        (15, None, "green"),
        (3, -2, "green"),  # done early
    ],
)
def test_rag_status_without_notice_window(due, done, expected):
    status = rag_status(days(due), days(done), as_of=AS_OF, warn_days=14)
    assert status.tolist() == [expected]


@pytest.mark.parametrize(
    ("due", "done", "expected"),
    [
        (-1, None, "red"),
        (0, None, "yellow"),
        (7, None, "yellow"),
        (8, None, "green"),
        (30, None, "green"),
        (31, None, "none"),
        (5, 0, "none"),  # done: nothing to announce
        (-3, -4, "none"),
    ],
)
def test_rag_status_with_notice_window(due, done, expected):
    status = rag_status(days(due), days(done), as_of=AS_OF, warn_days=7, notice_days=30)
    assert status.tolist() == [expected]


def test_rag_status_behind_gates_yellow():
    due, done = days(3, 3, -3), days(None, None, None)
    behind = pd.Series([True, False, False])
    status = rag_status(due, done, as_of=AS_OF, warn_days=14, behind=behind)
    assert status.tolist() == ["yellow", "green", "red"]  # overdue is red either way


def test_rag_status_bad_arguments():
    with pytest.raises(ParameterError, match="'as_of' must be a date such as 2026-09-30"):
        rag_status(days(1), days(None), as_of="2026-13-01", warn_days=7)
    with pytest.raises(ParameterError, match="'warn_days' must be a whole number ≥ 0"):
        rag_status(days(1), days(None), as_of=AS_OF, warn_days=-1)
    with pytest.raises(ParameterError, match="'notice_days' must be a whole number ≥ 0"):
        rag_status(days(1), days(None), as_of=AS_OF, warn_days=7, notice_days=2.5)


def test_wilson_rate_closed_form():
    # All 120 secretary projects complete (seed 004): the Wilson lower bound is n / (n + z²).
    z = stats.norm.ppf(0.975)
    out = wilson_rate(pd.Series([120, 0]), pd.Series([120, 0]), 0.95)
    assert out["rate"].iat[0] == 1.0
    assert out["ci_low"].iat[0] == pytest.approx(120 / (120 + z**2), rel=1e-12)
    assert out["ci_high"].iat[0] == pytest.approx(1.0)
    assert out.iloc[1].isna().all()


# --------------------------------------------------------------------------------------
# Projects
# --------------------------------------------------------------------------------------


@pytest.fixture
def project_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    d = days(-200, -100, -30, -10, 5, 10, 12, 60, 0)
    closed = days(None, -105, -20, None, None, None, None, None, None)
    projects = pd.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(1, 10)],
            "unit_code": ["B1", "B1", "B1", "B2", "B2", "B2", "B2", "B3", "B3"],
            "title": "书记项目",
            "project_type": "secretary",
            "start_date": days(*[-300] * 9),
            "due_date": d,
            "closed_date": closed,
        }
    )
    milestones = pd.DataFrame(
        {
            # P5: one of two passed milestones missing (behind); P6: on plan; P7: none at all;
            # P8: far from due; P9 (due today): behind.
            "project_id": ["P5", "P5", "P6", "P6", "P8", "P9"],
            "milestone_id": ["M1", "M2", "M1", "M2", "M1", "M1"],
            "planned_date": days(-60, -20, -60, -1, -5, -50),
            "actual_date": days(-58, None, -70, -1, None, None),
        }
    )
    return projects, milestones


def test_project_status_rules(project_data):
    result = track_projects(*project_data, as_of=AS_OF)
    p = result.projects.set_index("project_id")
    assert p["status"].to_dict() == {
        "P1": "red",
        "P2": "green",
        "P3": "green",
        "P4": "red",
        "P5": "yellow",
        "P6": "green",
        "P7": "yellow",
        "P8": "green",
        "P9": "yellow",
    }
    assert p["days_overdue"].tolist() == [200, 0, 10, 10, 0, 0, 0, 0, 0]
    assert p["on_time"].tolist() == [False, True, False, False, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA]
    assert p.loc["P5", "behind"] and not p.loc["P6", "behind"] and p.loc["P7", "behind"]
    assert p.loc["P5", "reason"] == (
        "5 天后到期，里程碑完成 1/2 / due in 5 days, milestones 1 of 2 planned"
    )
    assert p.loc["P1", "reason"] == "逾期 200 天未完成 / 200 days overdue, not closed"
    assert p.loc["P7", "reason"].startswith("12 天后到期，无里程碑记录")
    # Milestones on time: P5 M1 late (−58 > −60), P6 M1 early; P6 M2 planned yesterday
    # and achieved then; P8 M1 missing; P9 M1 missing. 2 of 6 passed milestones.
    total = result.units.set_index("unit_code").loc["ALL"]
    assert total["milestones_planned"] == 6 and total["milestones_on_time"] == 2
    # Due before as_of: P1–P4; closed P2, P3; on time only P2.
    assert (total["due"], total["closed_due"], total["on_time"]) == (4, 2, 1)
    assert (total["red"], total["yellow"], total["green"]) == (2, 3, 4)
    assert total["max_days_overdue"] == 200


def test_project_unit_table_and_wilson(project_data):
    projects, milestones = project_data
    units = pd.DataFrame(
        {
            "unit_code": ["B1", "B2", "B3"],
            "unit_name": ["一支部", "二支部", "三支部"],
            "parent_code": None,
        }
    )
    result = track_projects(projects, milestones, as_of=AS_OF, units=units)
    table = result.units.set_index("unit_code")
    assert table["unit_name"].tolist() == ["一支部", "二支部", "三支部", "合计 total"]
    lo, hi = wilson_rate(pd.Series([2]), pd.Series([3]), 0.95).iloc[0, 1:]
    assert (
        table.loc["B1", "completion_ci_low"],
        table.loc["B1", "completion_ci_high"],
    ) == pytest.approx((lo, hi))
    assert table.loc["B1", "completion_rate"] == pytest.approx(2 / 3)
    assert np.isnan(table.loc["B3", "completion_rate"])  # nothing due yet


def test_no_projects_at_all_is_a_status_of_zeros(project_data):
    projects, milestones = project_data
    result = track_projects(projects.iloc[:0], milestones.iloc[:0], as_of=AS_OF)
    total = result.units.set_index("unit_code").loc["ALL"]
    assert total[["projects", "due", "red", "yellow", "green", "max_days_overdue"]].tolist() == [
        0,
        0,
        0,
        0,
        0,
        0,
    ]
    assert np.isnan(total["completion_rate"]) and result.projects.empty


def test_project_summary_golden(project_data):
    result = track_projects(*project_data, as_of=AS_OF)
    assert result.summary() == (
        "截至 2026-09-30：项目 9 个，已到期 4 个，其中完成 2 个（完成率 50.0%，"
        "95% 区间 15.0%–85.0%），按期完成 1 个；里程碑按期率 33.3%。"
        "红色（逾期未完成）2 个：P1、P4。"
        "黄色（14 天内到期且进度滞后）3 个：P5、P7、P9。\n\n"
        "As of 2026-09-30: 9 projects, 4 past their due date, of which 2 closed (completion "
        "50.0%, 95% CI 15.0%–85.0%), 1 on time; milestones on time 33.3%. Red (overdue, "
        "open): 2 (P1, P4). Yellow (due within 14 days and behind plan): 3 (P5, P7, P9)."
    )
    ax = result.plot()
    assert len(ax.patches) == 3 * 3  # a segment per unit for each status present
    assert "<h4>项目进度 / Projects</h4>" in result._repr_html_()


def test_project_bad_input(project_data):
    projects, milestones = project_data
    with pytest.raises(ParameterError, match="表 'projects' 缺少列 due_date"):
        track_projects(projects.drop(columns="due_date"), as_of=AS_OF)
    with pytest.raises(
        ParameterError, match="有 1 行缺少或无法识别截止日期 due_date，如 \\['P1'\\]"
    ):
        track_projects(projects.assign(due_date=["bad", *projects["due_date"][1:]]), as_of=AS_OF)
    with pytest.raises(ParameterError, match="表 'milestones' 缺少列 planned_date"):
        track_projects(projects, milestones.drop(columns="planned_date"), as_of=AS_OF)
    with pytest.raises(ParameterError, match="'confidence' must be a number strictly"):
        track_projects(projects, as_of=AS_OF, confidence=1.5)


# --------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------


@pytest.fixture
def problem_data() -> pd.DataFrame:
    due = [-1, -30, -31, -90, -91, -180, -181, 10, 40, -20, 5]
    return pd.DataFrame(
        {
            "problem_id": [f"W{i:02d}" for i in range(11)],
            "unit_code": ["B1"] * 6 + ["B2"] * 5,
            "level": ["1", "1", "2", "2", "3", "3", "4", "1", "2", "1", "1"],
            "category": ["台账"] * 3 + ["党费"] * 4 + ["台账", "作风", "台账", "作风"],
            "source": "巡察",
            "found_date": days(-200, -200, -200, -200, -200, -250, -300, -20, -10, -100, 1),
            "due_date": days(*due),
            "closed_date": days(None, None, None, None, None, None, None, None, None, -25, None),
        }
    )


def test_problem_ageing_and_status(problem_data):
    result = track_problems(problem_data, as_of=AS_OF)
    p = result.problems.set_index("problem_id")
    assert "W10" not in p.index  # found after as_of
    assert p["days_overdue"].tolist() == [1, 30, 31, 90, 91, 180, 181, 0, 0, 0]
    assert p["bucket"].tolist() == [
        "overdue_1_30",
        "overdue_1_30",
        "overdue_31_90",
        "overdue_31_90",
        "overdue_91_180",
        "overdue_91_180",
        "overdue_181_plus",
        "",
        "",
        "",
    ]
    assert p["status"].tolist() == ["red"] * 7 + ["yellow", "green", "green"]
    total = result.by_level.set_index("level").loc["ALL"]
    assert (total["found"], total["closed"], total["open"], total["overdue"]) == (10, 1, 9, 7)
    assert (total["due"], total["closed_on_time"]) == (8, 1)  # W09 closed 5 days early
    assert total[
        ["overdue_1_30", "overdue_31_90", "overdue_91_180", "overdue_181_plus"]
    ].tolist() == [2, 2, 2, 1]
    assert result.by_level["level_name"].tolist() == [
        "偶发轻微",
        "多发一般",
        "重点难点",
        "需上级研究解决",
        "合计 total",
    ]
    assert result.by_unit["unit_code"].tolist() == ["B1", "B2", "ALL"]


def test_problem_recurrence_and_quarters(problem_data):
    result = track_problems(problem_data, as_of=AS_OF)
    rec = result.recurring.set_index(["unit_code", "category"])
    # W10 (found after as_of) does not count: B2 作风 was found once by then.
    assert rec["count"].to_dict() == {("B1", "台账"): 3, ("B1", "党费"): 3, ("B2", "台账"): 2}
    assert rec.loc[("B2", "台账"), "open"] == 1
    q = result.by_quarter.set_index("quarter")
    assert q.index[0] == "2025Q4" and q.index[-1] == "2026Q3"
    # End of 2026Q2 (June 30 = as_of − 92 days): found W00–W06 (−200 … −300) and W09
    # (−100); nothing closed yet; overdue then: deadlines before June 30.
    assert (q.loc["2026Q2", "found"], q.loc["2026Q2", "closed"]) == (8, 0)
    assert q.loc["2026Q2", "overdue"] == 2  # W05, W06; W04 is due July 1
    assert q.loc["2026Q3", "closed_in_quarter"] == 1
    assert q.loc["2026Q3", "change"] == pytest.approx(1 / 10 - 0 / 8)


def test_problem_summary_golden(problem_data):
    result = track_problems(problem_data, as_of=AS_OF)
    assert result.summary() == (
        "截至 2026-09-30：问题 10 个，已销号 1 个（销号率 10.0%，95% 区间 1.8%–40.4%），"
        "按期整改率 12.5%；未销号 9 个，其中红色告警（逾期）7 个（逾期超过 180 天 1 个），"
        "黄色提醒（14 天内到期）1 个。分级销号率：偶发轻微 25.0%，多发一般 0.0%，重点难点 0.0%，"
        "需上级研究解决 0.0%。2026Q3 末销号率较上季度变化 +10.0 个百分点。"
        "重复发生问题 3 处（同一单位同类问题两次及以上）。\n\n"
        "As of 2026-09-30: 10 problems, 1 closed (closure 10.0%, 95% CI 1.8%–40.4%), "
        "rectified on time 12.5%; open: 9, of which red alerts (overdue): 7 (over 180 days: "
        "1), yellow reminders (due within 14 days): 1. Closure by level: level 1 25.0%, "
        "level 2 0.0%, level 3 0.0%, level 4 0.0%. Closure at the end of 2026Q3: +10.0 "
        "points on the previous quarter. Recurring problems (same category twice or more "
        "at one unit): 3."
    )
    assert result.plot().get_title() == "截至 2026-09-30 问题整改状态"
    english = result.plot(language="en")
    assert english.get_title() == "Problem status, as of 2026-09-30"
    assert english.get_xlabel() == "Problems"
    legend = [t.get_text() for t in english.get_legend().get_texts()]
    assert legend == [
        "Red alert: overdue, open",
        "Yellow reminder: deadline near",
        "Green: in time or closed",
    ]
    both = result.plot(language="zh-en").get_title()
    assert both == "截至 2026-09-30 问题整改状态 Problem status"
    with pytest.raises(ParameterError, match="language"):
        result.plot(language="fr")


def test_problem_bad_input(problem_data):
    with pytest.raises(ParameterError, match="表 'problems' 缺少列 category"):
        track_problems(problem_data.drop(columns="category"), as_of=AS_OF)
    with pytest.raises(ParameterError, match="'warn_days' must be a whole number ≥ 0"):
        track_problems(problem_data, as_of=AS_OF, warn_days=True)


# --------------------------------------------------------------------------------------
# Duties
# --------------------------------------------------------------------------------------


@pytest.fixture
def duty_data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "duty_id": [f"D{i}" for i in range(7)],
            "unit_code": ["B1", "B1", "B1", "B2", "B2", "B2", "B2"],
            "duty_kind": ["dues", "dues", "meeting", "meeting", "meeting", "reelection", "dues"],
            "due_date": days(-30, 0, -1, -60, 5, 20, 45),
            "done_date": days(-31, None, None, -50, None, None, None),
            "required": [None, None, 20, 10, 10, None, None],
            "attended": [None, None, None, 8, None, None, None],
        }
    )


def test_duty_alerts_and_rates(duty_data):
    result = track_duties(duty_data, as_of=AS_OF)
    d = result.duties.set_index("duty_id")
    assert d["status"].tolist() == ["none", "yellow", "red", "none", "yellow", "green", "none"]
    assert d["on_time"].tolist() == [True, pd.NA, False, False, pd.NA, pd.NA, pd.NA]
    assert d.loc["D3", "participation"] == 0.8
    assert result.alerts["duty_id"].tolist() == ["D2", "D1", "D4", "D5"]
    kinds = result.by_kind.set_index("duty_kind")
    # Deadline passed: D0, D2, D3; done D0, D3; on time only D0.
    assert (
        kinds.loc["ALL", "due"],
        kinds.loc["ALL", "done"],
        kinds.loc["ALL", "done_on_time"],
    ) == (3, 2, 1)
    assert kinds.loc["meeting", "participation"] == 0.8
    assert (kinds.loc["ALL", "required"], kinds.loc["ALL", "attended"]) == (10, 8)
    assert kinds["kind_name"].tolist() == ["党费收缴", "三会一课", "支部换届", "合计 total"]
    wider = track_duties(duty_data, as_of=AS_OF, warn_days=0, notice_days=60)
    assert wider.duties["status"].tolist() == [
        "none",
        "yellow",
        "red",
        "none",
        "green",
        "green",
        "green",
    ]


def test_duty_summary_golden(duty_data):
    result = track_duties(duty_data, as_of=AS_OF)
    assert result.summary() == (
        "截至 2026-09-30：已到期任务 3 项，完成 2 项（完成率 66.7%，95% 区间 20.8%–93.9%），"
        "按期完成率 33.3%，参会率 80.0%。红色告警 1 项（逾期未完成），黄色提醒 2 项"
        "（7 天内到期），绿色通知 1 项（30 天内到期）。逾期分布：三会一课 1。\n\n"
        "As of 2026-09-30: 3 duties past their deadline, 2 done (completion 66.7%, 95% CI "
        "20.8%–93.9%), on time 33.3%, attendance 80.0%. Red alerts (overdue): 1; yellow "
        "reminders (due within 7 days): 2; green notices (due within 30 days): 1. Overdue "
        "by kind: meeting 1."
    )
    assert len(result.plot().patches) == 3 * 3  # a segment per kind for each status present


def test_duty_bad_input(duty_data):
    with pytest.raises(ParameterError, match="'notice_days' must be at least warn_days \\(7\\)"):
        track_duties(duty_data, as_of=AS_OF, notice_days=3)
    with pytest.raises(ParameterError, match="实参加人数超过应参加人数：\\['D3'\\]"):
        track_duties(
            duty_data.assign(attended=[None, None, None, 11, None, None, None]), as_of=AS_OF
        )
    with pytest.raises(ParameterError, match="表 'duties' 缺少列 done_date"):
        track_duties(duty_data.drop(columns="done_date"), as_of=AS_OF)


# --------------------------------------------------------------------------------------
# The demo data: the planted colours are found
# --------------------------------------------------------------------------------------


def read_demo(folder: Path, name: str) -> pd.DataFrame:
    # Read directly rather than through assess.io.validation: this test is about the rules.
    return pd.read_csv(
        folder / f"{name}.csv",
        dtype=str,
        encoding="utf-8-sig",
        keep_default_na=False,
        na_values=[""],
    )


def test_demo_planted_statuses(tmp_path):
    from assess.io import demo

    folder = tmp_path / "demo"
    demo.generate(folder, size="small", seed=2026, progress=False)
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    planted = truth["provinces"][0]
    as_of = demo.AS_OF
    projects = track_projects(
        read_demo(folder, "projects"), read_demo(folder, "milestones"), as_of=as_of
    )
    status = projects.projects.set_index("project_id")["status"]
    assert sorted(status[status == "red"].index) == sorted(planted["projects_red"])
    assert set(planted["projects_yellow"]) <= set(status[status == "yellow"].index)
    problems = track_problems(read_demo(folder, "problems"), as_of=as_of)
    assert problems.recurring[["unit_code", "category", "count"]].to_dict("records") == sorted(
        planted["recurring_problems"], key=lambda r: (r["unit_code"], r["category"])
    )
    duties = track_duties(read_demo(folder, "duties"), as_of=as_of)
    counts = duties.duties["status"].value_counts()
    assert counts.get("red", 0) == planted["duties_overdue"]
    assert counts.get("yellow", 0) + counts.get("green", 0) == planted["duties_due_within_30_days"]
