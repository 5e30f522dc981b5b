"""The data contract: every input table, column by column, declared once.

Readers, validation, the store, the demo generator and ``DATA.md`` all read these
declarations, so the contract cannot drift between them. Each column has an English
name (a valid identifier, used in code and in the store) and a Simplified-Chinese
header; both are accepted as input headers.

Column kinds
------------
``text``     kept as text exactly as given (codes such as ``0101`` keep their zeros)
``int``      whole number; ``float``: real number
``bool``     是/否, Y/N, true/false, 1/0
``date``     ``2026-05-01``, ``2026/5/1``, ``2026年5月1日``
``month``    ``2026-05``, ``2026/5``, ``2026年5月`` → ``"2026-05"``
``quarter``  ``2026Q3``, ``2026-Q3``, ``2026年第3季度`` → ``"2026Q3"``
``choice``   one of the declared codes, or its Chinese label
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Column",
    "ForeignKey",
    "Table",
    "TABLES",
    "TABLE_NAMES",
    "KINDS",
    "KIND_DTYPES",
    "to_markdown",
]

Kind = Literal["text", "int", "float", "bool", "date", "month", "quarter", "choice"]
KINDS: tuple[str, ...] = ("text", "int", "float", "bool", "date", "month", "quarter", "choice")

#: The pandas dtype of each kind in a validated :class:`assess.core.dataset.Dataset`.
KIND_DTYPES: dict[str, str] = {
    "text": "str",
    "choice": "str",
    "month": "str",
    "quarter": "str",
    "date": "datetime64[ns]",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
}

# What each kind means to a reader of an error message.
KIND_EXPECTED: dict[str, tuple[str, str]] = {
    "text": ("文本", "text"),
    "int": ("整数", "a whole number"),
    "float": ("数值", "a number"),
    "bool": ("是/否", "yes/no (是/否, Y/N, true/false, yes/no, 1/0, 党员/非党员)"),
    "date": ("日期，如 2026-05-01、2026/5/1 或 2026年5月1日", "a date such as 2026-05-01"),
    "month": ("月份，如 2026-05 或 2026年5月", "a month such as 2026-05"),
    "quarter": ("季度，如 2026Q3 或 2026年第3季度", "a quarter such as 2026Q3"),
    "choice": ("规定取值之一", "one of the allowed values"),
}


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``choices`` maps each allowed code to its Chinese label; both are accepted on input.
    ``minimum``/``maximum`` bound numbers (inclusive).
    """

    name: str
    zh: str
    kind: Kind
    doc: str
    required: bool = True
    choices: dict[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""


@dataclass(frozen=True)
class ForeignKey:
    """``column`` must match a value of ``ref_column`` in table ``ref_table``.

    ``levels`` restricts the referenced units to those levels (e.g. members sit in branches).
    """

    column: str
    ref_table: str
    ref_column: str
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One input table: a CSV file ``<name>.csv`` or a sheet named ``name`` or ``zh``.

    ``period`` names the column that places a row in a quarter (facts); tables without
    one are registers (the organisation tree, staff list, item bank, ...). See ``DATA.md``
    for what the store does with each.
    """

    name: str
    zh: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    period: str | None = None
    required: bool = True

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        """English column names in declared order."""
        return [c.name for c in self.columns]


LEVELS = {"province": "省公司", "city": "市公司", "county": "县公司", "branch": "党支部"}
EVENT_TYPES = {
    "violation": "违章",
    "complaint": "投诉",
    "discipline": "违纪",
    "fault": "故障",
}
#: The column of the ``exposure`` table each event type is a rate of: violations per work
#: ticket, complaints and faults per customer, discipline breaches per head.
EVENT_EXPOSURE = {
    "violation": "work_tickets",
    "complaint": "customers",
    "fault": "customers",
    "discipline": "headcount",
}
#: The event types shown as rates: the metric's name and the exposure units the rate is
#: per (the exposure column is :data:`EVENT_EXPOSURE`).
RATE_METRICS: dict[str, tuple[str, int]] = {
    "violation": ("violations_per_1000_tickets", 1_000),
    "complaint": ("complaints_per_10000_customers", 10_000),
}
#: Rate metric name → (中文, English) as shown in reports.
RATE_NAMES: dict[str, tuple[str, str]] = {
    "violations_per_1000_tickets": ("千张工作票违章数", "violations per 1,000 work tickets"),
    "complaints_per_10000_customers": ("万户投诉数", "complaints per 10,000 customers"),
}
SEVERITIES = {"1": "轻微", "2": "一般", "3": "严重"}
PROBLEM_LEVELS = {
    "1": "偶发轻微",
    "2": "多发一般",
    "3": "重点难点",
    "4": "需上级研究解决",
}
ITEM_TYPES = {"single": "单选", "multiple": "多选", "judge": "判断", "scored": "主观"}
DUTY_KINDS = {
    "reelection": "支部换届",
    "dues": "党费收缴",
    "meeting": "三会一课",
    "other": "其他",
}
PROJECT_TYPES = {"secretary": "书记项目", "party_plus": "党建+项目", "other": "其他"}

_UNIT = Column("unit_code", "单位编码", "text", "Code of the unit (text; leading zeros kept).")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "units",
            "组织机构",
            "The organisation tree: province → city → county → branch.",
            (
                Column("unit_code", "单位编码", "text", "Unique code; text, leading zeros kept."),
                Column("unit_name", "单位名称", "text", "Name as it appears in reports."),
                Column("level", "层级", "choice", "Level in the tree.", choices=LEVELS),
                Column(
                    "parent_code",
                    "上级单位编码",
                    "text",
                    "Code of the parent unit; empty only for the province.",
                    required=False,
                ),
            ),
            key=("unit_code",),
            foreign_keys=(ForeignKey("parent_code", "units", "unit_code"),),
        ),
        Table(
            "staff",
            "人员",
            "Every employee, party member or not: violations and complaints concern all staff.",
            (
                Column("person_id", "人员编号", "text", "Unique employee number."),
                Column("name", "姓名", "text", "Full name (masked in reports above branch level)."),
                Column(
                    "unit_code",
                    "所在支部编码",
                    "text",
                    "Branch-level unit the person belongs to.",
                ),
                Column("is_party_member", "是否党员", "bool", "Party member (是) or not (否)."),
                Column("post", "岗位", "text", "Job post, free text.", required=False),
                Column("joined", "入职日期", "date", "First day in the unit.", required=False),
                Column("left", "离职日期", "date", "Last day in the unit.", required=False),
            ),
            key=("person_id",),
            foreign_keys=(ForeignKey("unit_code", "units", "unit_code", ("branch",)),),
        ),
        Table(
            "points",
            "指标积分",
            "Indicator points of members per quarter (long form: one row per member, "
            "quarter, indicator and piece of evidence).",
            (
                Column("person_id", "人员编号", "text", "Member the points belong to."),
                Column("quarter", "季度", "quarter", "Quarter the points count for."),
                Column("indicator", "指标编码", "text", "Indicator code declared in the scheme."),
                Column("value", "分值", "float", "Points or raw indicator value."),
                Column(
                    "evidence_id",
                    "佐证编号",
                    "text",
                    "Id of the ledger evidence (meeting minutes, ticket, certificate).",
                    required=False,
                ),
            ),
            key=("person_id", "quarter", "indicator", "evidence_id"),
            foreign_keys=(ForeignKey("person_id", "staff", "person_id"),),
            period="quarter",
        ),
        Table(
            "events",
            "事件",
            "Safety violations, customer complaints, discipline breaches and faults.",
            (
                Column("event_id", "事件编号", "text", "Unique id of the event."),
                Column("date", "发生日期", "date", "Day the event happened."),
                _UNIT,
                Column(
                    "person_id",
                    "责任人编号",
                    "text",
                    "Person responsible, if known.",
                    required=False,
                ),
                Column("type", "类型", "choice", "Kind of event.", choices=EVENT_TYPES),
                Column(
                    "severity",
                    "严重程度",
                    "choice",
                    "1 minor, 2 general, 3 serious.",
                    choices=SEVERITIES,
                ),
                Column(
                    "source_id",
                    "来源单号",
                    "text",
                    "Violation-database, work-ticket or marketing work-order number.",
                    required=False,
                ),
            ),
            key=("event_id",),
            foreign_keys=(
                ForeignKey("unit_code", "units", "unit_code"),
                ForeignKey("person_id", "staff", "person_id"),
            ),
            period="date",
        ),
        Table(
            "exposure",
            "暴露量",
            "Exposure by unit and month, the denominators of every rate.",
            (
                _UNIT,
                Column("month", "月份", "month", "Calendar month."),
                Column("headcount", "在岗人数", "int", "Staff on the books.", minimum=0),
                Column(
                    "member_headcount",
                    "党员人数",
                    "int",
                    "Party members among them.",
                    minimum=0,
                ),
                Column("work_tickets", "工作票数", "int", "Work tickets issued.", minimum=0),
                Column("customers", "服务客户数", "int", "Customers served.", minimum=0),
            ),
            key=("unit_code", "month"),
            foreign_keys=(ForeignKey("unit_code", "units", "unit_code"),),
            period="month",
        ),
        Table(
            "kpis",
            "业务指标",
            "Business KPIs by unit and month (long form).",
            (
                _UNIT,
                Column("month", "月份", "month", "Calendar month."),
                Column("kpi", "指标编码", "text", "KPI code, e.g. sales_gwh, outage_hours."),
                Column("value", "数值", "float", "KPI value in its own unit."),
            ),
            key=("unit_code", "month", "kpi"),
            foreign_keys=(ForeignKey("unit_code", "units", "unit_code"),),
            period="month",
        ),
        Table(
            "exam_items",
            "题库",
            "The item bank of the quarterly exam (每季一考).",
            (
                Column("item_id", "题目编号", "text", "Unique item id."),
                Column("section", "板块", "text", "Section, e.g. 党史, 党章, 党规."),
                Column("item_type", "题型", "choice", "Item type.", choices=ITEM_TYPES),
                Column(
                    "key",
                    "标准答案",
                    "text",
                    "Correct option(s) for choice items, e.g. B or ACD.",
                    required=False,
                ),
                Column(
                    "max_score", "满分", "float", "Points for a fully correct answer.", minimum=0
                ),
            ),
            key=("item_id",),
        ),
        Table(
            "exam_responses",
            "答卷",
            "One row per examinee and item.",
            (
                Column("person_id", "人员编号", "text", "Examinee."),
                Column("quarter", "季度", "quarter", "Quarter of the exam."),
                Column("item_id", "题目编号", "text", "Item answered."),
                Column(
                    "response",
                    "作答",
                    "text",
                    "Option(s) chosen; empty when not answered.",
                    required=False,
                ),
                Column(
                    "score",
                    "得分",
                    "float",
                    "Points awarded; computed from the key when empty.",
                    required=False,
                    minimum=0,
                ),
            ),
            key=("person_id", "quarter", "item_id"),
            foreign_keys=(
                ForeignKey("person_id", "staff", "person_id"),
                ForeignKey("item_id", "exam_items", "item_id"),
            ),
            period="quarter",
        ),
        Table(
            "projects",
            "项目",
            "Secretary projects (书记项目) and 党建+ projects.",
            (
                Column("project_id", "项目编号", "text", "Unique project id."),
                Column("unit_code", "责任单位编码", "text", "Owner unit."),
                Column("title", "项目名称", "text", "Project title."),
                Column(
                    "project_type", "项目类型", "choice", "Kind of project.", choices=PROJECT_TYPES
                ),
                Column("start_date", "开始日期", "date", "Planned start."),
                Column("due_date", "计划完成日期", "date", "Planned completion."),
                Column("closed_date", "实际完成日期", "date", "Actual completion.", required=False),
                Column(
                    "led_by_member", "党员牵头", "bool", "Led by a party member.", required=False
                ),
            ),
            key=("project_id",),
            foreign_keys=(ForeignKey("unit_code", "units", "unit_code"),),
        ),
        Table(
            "milestones",
            "里程碑",
            "Milestones of projects with planned and actual dates.",
            (
                Column("project_id", "项目编号", "text", "Project the milestone belongs to."),
                Column("milestone_id", "里程碑编号", "text", "Milestone id within the project."),
                Column("title", "里程碑名称", "text", "What is delivered."),
                Column("planned_date", "计划日期", "date", "Planned date."),
                Column("actual_date", "实际日期", "date", "Date achieved.", required=False),
            ),
            key=("project_id", "milestone_id"),
            foreign_keys=(ForeignKey("project_id", "projects", "project_id"),),
        ),
        Table(
            "problems",
            "问题清单",
            "Problems found and their rectification (整改).",
            (
                Column("problem_id", "问题编号", "text", "Unique problem id."),
                _UNIT,
                Column("level", "问题等级", "choice", "Level 1–4.", choices=PROBLEM_LEVELS),
                Column("category", "问题类别", "text", "Category, for recurrence checks."),
                Column("source", "问题来源", "text", "Inspection, appraisal, interview, ..."),
                Column("found_date", "发现日期", "date", "Day the problem was found."),
                Column("due_date", "整改期限", "date", "Rectification deadline."),
                Column("closed_date", "销号日期", "date", "Day it was closed.", required=False),
            ),
            key=("problem_id",),
            foreign_keys=(ForeignKey("unit_code", "units", "unit_code"),),
        ),
        Table(
            "duties",
            "职责任务",
            "Recurring duties per branch: re-election, party dues, 三会一课 meetings.",
            (
                Column("duty_id", "任务编号", "text", "Unique id of one occurrence of a duty."),
                _UNIT,
                Column("duty_kind", "任务类型", "choice", "Kind of duty.", choices=DUTY_KINDS),
                Column("due_date", "截止日期", "date", "Deadline of this occurrence."),
                Column("done_date", "完成日期", "date", "Day it was done.", required=False),
                Column(
                    "required",
                    "应参加人数",
                    "int",
                    "Members expected to take part.",
                    minimum=0,
                    required=False,
                ),
                Column(
                    "attended",
                    "实参加人数",
                    "int",
                    "Members who took part.",
                    minimum=0,
                    required=False,
                ),
            ),
            key=("duty_id",),
            foreign_keys=(ForeignKey("unit_code", "units", "unit_code"),),
        ),
        Table(
            "campaign",
            "活动",
            "Campaigns (e.g. 三无三当) and the units they start in, one row per unit; "
            "different start dates make a staggered rollout.",
            (
                Column("campaign_id", "活动编号", "text", "Campaign id."),
                Column("campaign_name", "活动名称", "text", "Campaign name."),
                _UNIT,
                Column("start_date", "开始日期", "date", "Day the campaign starts in the unit."),
            ),
            key=("campaign_id", "unit_code"),
            foreign_keys=(ForeignKey("unit_code", "units", "unit_code"),),
            required=False,
        ),
    )
}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)


def to_markdown() -> str:
    """The data contract as Markdown tables; ``DATA.md`` embeds this text verbatim."""
    lines: list[str] = []
    for table in TABLES.values():
        optional = "" if table.required else " (optional table)"
        lines += [f"### `{table.name}` · {table.zh}{optional}", "", table.doc, ""]
        lines += [f"Key: {', '.join(f'`{k}`' for k in table.key)}."]
        if table.period:
            lines += [f"Placed in a quarter by `{table.period}`."]
        for fk in table.foreign_keys:
            where = f" (level {'/'.join(fk.levels)})" if fk.levels else ""
            lines += [f"`{fk.column}` must exist in `{fk.ref_table}.{fk.ref_column}`{where}."]
        lines += [
            "",
            "| column | 中文列名 | kind | required | allowed | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for c in table.columns:
            allowed = ""
            if c.choices:
                allowed = ", ".join(f"`{k}` {v}" for k, v in c.choices.items())
            elif c.minimum is not None or c.maximum is not None:
                lo = "" if c.minimum is None else f"≥ {c.minimum:g}"
                hi = "" if c.maximum is None else f"≤ {c.maximum:g}"
                allowed = " ".join(x for x in (lo, hi) if x)
            req = "yes" if c.required else "no"
            lines.append(f"| `{c.name}` | {c.zh} | {c.kind} | {req} | {allowed} | {c.doc} |")
        lines.append("")
    return "\n".join(lines)
