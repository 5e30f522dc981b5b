"""The scheme file: the shipped default loads; every bad key is named in the error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assess.core.errors import SchemeError
from assess.core.scheme import default_scheme_path, load_scheme

DEFAULT = default_scheme_path().read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scheme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_scheme_reads_fractions_and_is_marked_an_illustration():
    scheme = load_scheme()
    assert scheme.ahp_matrix is not None
    assert scheme.ahp_matrix[0][8] == 0.5
    assert scheme.ahp_matrix[2][0] == pytest.approx(1 / 3)
    assert scheme.exam.pass_mark == 80 and "党建专责" in scheme.exam.eligible_posts
    assert "示例" in scheme.name and "illustration" in DEFAULT
    assert [g.max_share for g in scheme.grades[:2]] == ["0.20", "0.40"]
    assert scheme.stars.levels[0].stars == 5
    assert scheme.stars.all_round["project_completion"] == (">=", 1.0)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('normalisation = "goalpost"', 'normalisation = "linear"', "scheme.normalisation"),
        ("base = 60", 'base = "sixty"', "scheme.base"),
        ('weighting = "combined"', 'weighting = "magic"', "scheme.weighting"),
        ("subjective_share = 0.7", "subjective_share = 1.7", "scheme.subjective_share"),
        (
            'code = "study"\nzh = "理论学习"\nen = "Political study"\nitem_cap = 1',
            'code = "study"\nzh = "理论学习"\nen = "Political study"\nitem_cap = -1',
            "indicators[0].item_cap",
        ),
        ("  [    1,     1,     3,", "  [    1,     0,     3,", "ahp.matrix[0][1]"),
        ("points = { 1 = 2, 2 = 5, 3 = 10 }", "points = { 1 = 2, 4 = 5 }", "deductions[0].points"),
        ('effect = "cap"', 'effect = "ban"', "vetoes[0].effect"),
        ('cap_grade = "基本合格"', 'cap_grade = "不合格"', "vetoes[0].cap_grade"),
        ('max_share = "0.20"', 'max_share = "1.20"', "grades.levels[0].max_share"),
        ("min_events = 2 ", "min_events = 0 ", "watchlist.min_events"),
        ("goalposts = [65, 75]", "goalposts = [65, 65]", "stars.party[0].goalposts"),
        (
            'project_completion = [">=", 1.0]',
            'project_completion = ["==", 1.0]',
            "stars.all_round.project_completion",
        ),
    ],
)
def test_a_bad_value_names_its_key_in_chinese_and_english(tmp_path, old, new, key):
    assert old in DEFAULT
    path = _write(tmp_path, DEFAULT.replace(old, new, 1))
    with pytest.raises(SchemeError, match=re.escape(key)) as info:
        load_scheme(path)
    message = str(info.value)
    assert "评分方案" in message and "scoring scheme" in message


def test_ahp_matrix_of_the_wrong_size_is_refused(tmp_path):
    text = DEFAULT.replace(
        '  [    1,     1,     3,     2,     2,     3,     4,     3, "1/2"],\n', "", 1
    )
    with pytest.raises(SchemeError, match=r"ahp\.matrix.*9×9"):
        load_scheme(_write(tmp_path, text))


def test_given_weights_are_required_when_weighting_is_given(tmp_path):
    text = DEFAULT.replace('weighting = "combined"', 'weighting = "given"')
    with pytest.raises(SchemeError, match=r"indicators\[0\]\.weight"):
        load_scheme(_write(tmp_path, text))


def test_missing_key_and_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(SchemeError, match=r"scheme\.ceiling.*missing"):
        load_scheme(_write(tmp_path, DEFAULT.replace("ceiling = 100 ", "")))
    with pytest.raises(SchemeError, match="not valid TOML"):
        load_scheme(_write(tmp_path, DEFAULT + "\n[[[broken"))
    with pytest.raises(SchemeError, match="not found"):
        load_scheme(tmp_path / "nope.toml")
