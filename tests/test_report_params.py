"""The template contract: the parameters cell, validation of given values, the shipped templates."""

from __future__ import annotations

import ast

import nbformat
import pytest

from _report_support import make_template
from assess.report import (
    Parameter,
    ReportError,
    ReportParameterError,
    TemplateError,
    find_template,
    read_parameters,
    validate_parameters,
)
from assess.report.templates import list_templates

PARAMS = (
    'quarter: str = "2026Q3"  # 考评季度 / quarter\n'
    'unit: str = "00"  # 单位编码（任意层级）/ unit code (any level)\n'
    "draws: int = 100  # 抽样次数 / draws\n"
    "alpha: float = 0.05  # 显著性水平 / significance level\n"
    "named: bool = False  # 是否显示姓名：是/否 / show names: yes or no\n"
    'metrics: list[str] = ["complaint"]  # 事件类型 / event types'
)


@pytest.fixture
def template(tmp_path):
    return make_template(tmp_path / "t.ipynb", PARAMS, "print(unit)")


def test_read_parameters_types_defaults_and_comments(template):
    params = read_parameters(template)
    assert [p.name for p in params] == ["quarter", "unit", "draws", "alpha", "named", "metrics"]
    assert params[1] == Parameter(
        "unit", "str", "00", "单位编码（任意层级）", "unit code (any level)"
    )
    assert params[4].zh == "是否显示姓名：是/否" and params[4].en == "show names: yes or no"
    assert params[5].default == ["complaint"]


def test_validate_converts_command_line_text(template):
    values = validate_parameters(
        template,
        {
            "unit": "0101",
            "draws": "3",
            "alpha": "0.1",
            "named": "是",
            "metrics": "complaint, violation",
        },
    )
    assert values == {
        "quarter": "2026Q3",
        "unit": "0101",
        "draws": 3,
        "alpha": 0.1,
        "named": True,
        "metrics": ["complaint", "violation"],
    }
    assert validate_parameters(template, {"named": "false", "metrics": ""})["named"] is False
    assert validate_parameters(template, {"metrics": ""})["metrics"] == []


def test_validate_keeps_python_values(template):
    values = validate_parameters(template, {"draws": 7, "alpha": 1, "metrics": ("a", "b")})
    assert values["draws"] == 7 and values["alpha"] == 1.0 and values["metrics"] == ["a", "b"]
    assert isinstance(values["alpha"], float)


def test_unknown_parameter_names_it_and_lists_the_accepted(template):
    with pytest.raises(
        ReportParameterError,
        match=r"没有参数 'quartr'.*可用参数：quarter, unit, draws.*"
        r"did you mean 'quarter'",
    ):
        validate_parameters(template, {"quartr": "2026Q3"})


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("draws", "three", r"参数 'draws'（抽样次数）应为整数.*got 'three'"),
        ("draws", "3.5", r"must be int; got '3.5'"),
        ("draws", True, r"must be int; got True"),
        ("alpha", "nan", r"'alpha'.*must be float"),
        ("named", "maybe", r"应为是/否"),
        ("unit", 101, r"数字会丢掉前导零.*a number loses leading zeros"),
        ("metrics", [1, 2], r"must be list\[str\]"),
    ],
)
def test_mistyped_values_are_rejected(template, name, value, match):
    with pytest.raises(ReportParameterError, match=match):
        validate_parameters(template, {name: value})


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ('unit = "00"  # 单位 / unit', "只能写带类型注解的赋值"),
        ('import os\nunit: str = "00"  # 单位 / unit', "line 1: only annotated assignments"),
        ("unit: dict = {}  # 单位 / unit", "unsupported type dict"),
        ('unit: str = "00"', "needs a comment"),
        ('unit: str = "00"  # 单位', "needs a comment"),
        ("unit: str = 0  # 单位 / unit", "is not a str"),
        ("unit: str = os.getcwd()  # 单位 / unit", "must be a literal"),
        ('unit: str = "0"  # 单位 / unit\nunit: str = "1"  # 单位 / unit', "declared twice"),
    ],
)
def test_template_author_errors(tmp_path, source, match):
    path = make_template(tmp_path / "bad.ipynb", source)
    with pytest.raises(TemplateError, match=match):
        read_parameters(path)


def test_exactly_one_parameters_cell(tmp_path):
    path = make_template(tmp_path / "two.ipynb", 'a: str = ""  # 甲 / a')
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell('b: str = ""  # 乙 / b', metadata={"tags": ["parameters"]})
    )
    nbformat.write(nb, path)
    with pytest.raises(TemplateError, match="exactly one code cell tagged 'parameters'; it has 2"):
        read_parameters(path)


def test_unknown_template_lists_known_ones():
    with pytest.raises(ReportError, match=r"没有名为 'quartely' 的报告模板.*quarterly"):
        find_template("quartely")


SHIPPED = ("quarterly_appraisal", "effect_analysis", "exam_analysis")


def test_shipped_templates_and_aliases():
    assert set(SHIPPED) <= set(list_templates())
    assert find_template("effect").name == "effect_analysis.ipynb"
    assert find_template("exam").name == "exam_analysis.ipynb"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_template_is_thin_and_stripped(name):
    path = find_template(name)
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert nb.metadata["kernelspec"]["language"] == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(c.outputs or c.execution_count for c in code), "outputs must be stripped"
    for cell in code:
        tree = ast.parse(cell.source)
        defines = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        ]
        assert not defines, f"{name}: templates call the library, they define nothing"
    assert len(read_parameters(path)) >= 2


def test_quarterly_parameters_contract():
    names = [p.name for p in read_parameters("quarterly")]
    assert names == ["quarter", "unit", "store", "scheme", "language", "privacy", "seed"]
    effect = {p.name: p for p in read_parameters("effect")}
    assert {"campaign", "metrics", "design", "seed"} <= set(effect)
    assert effect["metrics"].type == "list[str]" and effect["seed"].type == "int"
