"""The scheme file is checked as strictly as the data: every key known or refused by name,
every rule the scoring relies on, every problem at once with file, table, key and line;
a scheme that fails publishes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assess.cli import main
from assess.core.errors import ParameterError, SchemeError
from assess.core.scheme import STAR_METRICS, default_scheme_path, load_scheme

DEFAULT = default_scheme_path().read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str, name: str = "scheme.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _edit(*pairs: tuple[str, str]) -> str:
    text = DEFAULT
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def _line(text: str, snippet: str) -> int:
    # The 1-based line of the first line holding `snippet`.
    return next(i for i, line in enumerate(text.splitlines(), 1) if snippet in line)


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
    assert scheme.deductions[0].points == {1: 2.0, 2: 5.0, 3: 10.0}
    assert scheme.vetoes[0].cap_grade == "基本合格" and scheme.vetoes[1].cap_grade is None


def test_star_metrics_are_the_metrics_the_scoring_computes():
    from assess.appraisal.branch_metrics import METRICS

    assert set(STAR_METRICS) == set(METRICS)


# --- the cases of issue 14, each with its exact message -------------------------------


def _refused(path: Path, en: str, zh: str) -> SchemeError:
    with pytest.raises(SchemeError, match=re.escape(en)) as info:
        load_scheme(path)
    assert zh in str(info.value)
    return info.value


def test_an_unknown_key_with_a_typo_is_named_with_the_keys_allowed_and_the_nearest(tmp_path):
    text = _edit(("base = 60 ", "bsae = 60 "))
    n = _line(text, "bsae = 60")
    error = _refused(
        _write(tmp_path, text),
        f"scheme.toml line {n} [scheme] bsae: unknown key; allowed in [scheme]: name, name_en, "
        "base, ceiling, normalisation, weighting, subjective_share, aggregation; "
        "did you mean base?",
        f"scheme.toml 第 {n} 行 [scheme] bsae：未知的键；[scheme] 中允许的键：name, name_en, "
        "base, ceiling, normalisation, weighting, subjective_share, aggregation；是否想写 base？",
    )
    # The key it replaced is then missing: both are listed.
    assert [(p.table, p.key) for p in error.problems] == [
        ("[scheme]", "bsae"),
        ("[scheme]", "base"),
    ]
    assert "missing (required: a number of at least 0)" in str(error)


def test_an_unknown_table_is_named(tmp_path):
    text = DEFAULT + "\n[exams]\npass_mark = 80\n"
    n = _line(text, "[exams]")
    _refused(
        _write(tmp_path, text),
        f"scheme.toml line {n} top level exams: unknown key; allowed at the top level: scheme, "
        "indicators, ahp, deductions, vetoes, grades, watchlist, stars, exam; did you mean exam?",
        f"scheme.toml 第 {n} 行 顶层 exams：未知的键；顶层允许的键：scheme, indicators, ahp,",
    )


def test_an_unknown_key_inside_the_grades_table_is_named(tmp_path):
    text = _edit(('max_share = "0.20"', 'max_shares = "0.20"'))
    n = _line(text, "max_shares")
    _refused(
        _write(tmp_path, text),
        f"scheme.toml line {n} [grades.levels.优秀] max_shares: unknown key; allowed in "
        "[grades.levels]: name, en, max_share, min_share; did you mean max_share?",
        f"scheme.toml 第 {n} 行 [grades.levels.优秀] max_shares：未知的键",
    )


def _given(weights: list[float]) -> str:
    # weighting = given: the AHP matrix and the subjective share go, and the first
    # indicators get these weights.
    text = _edit(('weighting = "combined"', 'weighting = "given"'), ("subjective_share = 0.7 ", ""))
    head, rest = text[: text.index("# 层次分析法判断矩阵")], text[text.index("# 扣分项") :]
    lines, k = [], 0
    for line in head.splitlines():
        lines.append(line)
        if line.startswith("quarter_cap") and k < len(weights):
            lines.append(f"weight = {weights[k]}")
            k += 1
    return "\n".join(lines) + "\n" + rest


def test_given_weights_that_do_not_add_up_to_one_are_refused(tmp_path):
    text = _given([0.1] * 9)
    assert load_scheme(_write(tmp_path, _given([0.1] * 8 + [0.2]), "good.toml")).weighting == (
        "given"
    )
    n = _line(text, "weight = 0.1")
    _refused(
        _write(tmp_path, text),
        f"scheme.toml line {n} [indicators.study] weight: the weights of indicators must add "
        "up to 1 (within ±0.001); they add up to 0.9",
        f"scheme.toml 第 {n} 行 [indicators.study] weight：指标权重之和应为 1（允许误差 ±0.001），"
        "实际为 0.9",
    )


def test_star_weights_that_do_not_add_up_to_one_are_refused(tmp_path):
    text = _edit(("weight = 0.5", "weight = 0.6"))
    n = _line(text, "weight = 0.6")
    _refused(
        _write(tmp_path, text),
        f"scheme.toml line {n} [stars.party.member_index_mean] weight: the weights of "
        "stars.party must add up to 1 (within ±0.001); they add up to 1.1",
        "党建评价权重之和应为 1（允许误差 ±0.001），实际为 1.1",
    )


def test_quotas_adding_up_to_more_than_100_percent_are_refused(tmp_path):
    text = _edit(('max_share = "0.40"', 'max_share = "0.90"'))
    n = _line(text, 'max_share = "0.20"')
    _refused(
        _write(tmp_path, text),
        f"scheme.toml line {n} [grades.levels.优秀] max_share: the grades' maximum shares add "
        "up to 1.10, more than 100% (0.20 + 0.90)",
        "各等次比例上限之和为 1.10，超过 100%（0.20 + 0.90）",
    )


def test_a_base_score_above_the_ceiling_is_refused(tmp_path):
    text = _edit(("base = 60 ", "base = 120 "))
    n = _line(text, "base = 120")
    _refused(
        _write(tmp_path, text),
        f"scheme.toml line {n} [scheme] base: the base score 120 must be below the ceiling 100",
        "基础分 120 应低于满分 ceiling = 100",
    )


def test_the_renamed_alpha_key_is_refused_saying_it_was_renamed(tmp_path):
    text = _edit(("subjective_share = 0.7 ", "alpha = 0.7 "))
    n = _line(text, "alpha = 0.7")
    error = _refused(
        _write(tmp_path, text),
        f"scheme.toml line {n} [scheme] alpha: key alpha was renamed subjective_share in "
        "0.2.0; rename it (its value would not be used)",
        "键 alpha 已在 0.2.0 版改名为 subjective_share，请改名",
    )
    assert len(error.problems) == 1


def test_every_problem_is_listed_at_once_in_the_order_of_the_file(tmp_path):
    text = _edit(
        ("subjective_share = 0.7 ", "alpha = 0.7 "),
        ("item_cap = 4\nquarter_cap = 4", "item_cap = 4\nquarter_cap = 2"),
        ('max_share = "0.40"', 'max_share = "0.90"'),
        ("min_events = 2 ", "min_evnts = 2 "),
        ("party_min = 80", "party_min = 90"),
    )
    with pytest.raises(SchemeError, match="has 6 problems; fix them before scoring") as info:
        load_scheme(_write(tmp_path, text))
    found = [(p.table, p.key) for p in info.value.problems]
    assert found == [
        ("[scheme]", "alpha"),
        ("[indicators.meetings]", "quarter_cap"),
        ("[grades.levels.优秀]", "max_share"),
        ("[watchlist]", "min_evnts"),
        ("[watchlist]", "min_events"),
        ("[stars.levels.5]", "party_min"),
    ]
    lines = [p.line for p in info.value.problems]
    assert lines[0] == _line(text, "alpha = 0.7") and lines[3] == _line(text, "min_evnts")
    assert lines[5] == _line(text, "party_min = 88")
    assert all(p.file == str(tmp_path / "scheme.toml") for p in info.value.problems)
    message = str(info.value)
    # Two lines per problem, Chinese then English, after one headline.
    assert len(message.splitlines()) == 1 + 2 * 6
    assert "评分方案" in message and "scoring scheme" in message
    assert "the 4-star threshold 90 is below the 3-star threshold" not in message
    assert "the 5-star threshold 88 is below the 4-star threshold 90" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'normalisation = "goalpost"',
            'normalisation = "goalpots"',
            "[scheme] normalisation: must be one of goalpost | minmax | zscore | rank; "
            "did you mean goalpost?; got 'goalpots'",
        ),
        ("base = 60", 'base = "sixty"', "[scheme] base: must be a number of at least 0"),
        ("subjective_share = 0.7", "subjective_share = 1.7", "between 0 and 1; got 1.7"),
        (
            'en = "Political study"\nitem_cap = 1\n',
            'en = "Political study"\nitem_cap = -1\n',
            "[indicators.study] item_cap: must be a number above 0; got -1",
        ),
        (
            "item_cap = 4\nquarter_cap = 4",
            "item_cap = 4\nquarter_cap = 2",
            "[indicators.meetings] quarter_cap: the quarterly cap 2 is below the cap per item 4",
        ),
        ('code = "study"', 'code = "index"', "[indicators.index] code: must be a code of"),
        ('code = "mentoring"', 'code = "violation"', "code violation is already used by"),
        (
            "  [    1,     1,     3,",
            "  [    1,     0,     3,",
            '[ahp] matrix[1][2]: must be a positive number or fraction, e.g. 3 or "1/3"; got 0',
        ),
        ("  [    1,     1,     3,", "  [    2,     1,     3,", "[ahp] matrix[1][1]: must be 1"),
        (
            "  [    1,     1,     3,",
            "  [    1,     1,    12,",
            "[ahp] matrix[1][3]: must be a judgment on Saaty's scale, 1/9 to 9; got 12",
        ),
        (
            "  [    1,     1,     3,",
            "  [    1,     1,     5,",
            "[ahp] matrix[3][1]: must be the reciprocal of matrix[1][3] = 5 (within 5%); got 1/3",
        ),
        (
            "points = { 1 = 2, 2 = 5, 3 = 10 }",
            "points = { 1 = 2, 3 = 10 }",
            "[deductions.violation] points: must be points for each severity 1, 2 and 3",
        ),
        (
            "points = { 1 = 2, 2 = 5, 3 = 10 }",
            "points = { 1 = 2, 2 = 12, 3 = 10 }",
            "[deductions.violation] points: points must not fall with severity",
        ),
        (
            "quarter_cap = 30",
            "quarter_cap = 8",
            "[deductions.violation] quarter_cap: the quarterly cap 8 is below the points of "
            "one event 10",
        ),
        ('effect = "cap"', 'effect = "ban"', "[vetoes.discipline] effect: must be one of"),
        (
            'cap_grade = "基本合格"',
            'cap_grade = "不合格"',
            "[vetoes.discipline] cap_grade: must be one of 优秀 | 良好 | 合格 | 基本合格",
        ),
        (
            'cap_grade = "基本合格"',
            'cap_grade = "优秀"',
            "[vetoes.discipline] cap_grade: a cap at the top grade 优秀 has no effect",
        ),
        (
            'effect = "exclude-top"',
            'effect = "exclude-top"\ncap_grade = "合格"',
            '[vetoes.serious_violation] cap_grade: is used only with effect = "cap"',
        ),
        (
            "min_severity = 3\neffect",
            "min_severity = 1.5\neffect",
            "[vetoes.serious_violation] min_severity: must be a whole number between 1 and 3",
        ),
        ('max_share = "0.20"', 'max_share = "1.20"', "[grades.levels.优秀] max_share: must be"),
        (
            'max_share = "0.20"',
            'max_share = "0.20"\nmin_share = "0.30"',
            "[grades.levels.优秀] min_share: the minimum share 0.30 is above the maximum "
            "share 0.20",
        ),
        (
            'en = "Basically satisfactory"',
            'en = "Basically satisfactory"\nmax_share = "0.1"',
            "[grades.levels.基本合格] max_share: the bottom grade has no cap",
        ),
        (
            'tie_policy = "strict"',
            'tie_policy = "fair"',
            "[grades] tie_policy: must be one of strict | favour",
        ),
        ("min_events = 2 ", "min_events = 0 ", "[watchlist] min_events: must be a whole"),
        (
            'event_types = ["violation"',
            'event_types = ["violations"',
            "[watchlist] event_types: must be a list of distinct event types",
        ),
        (
            "goalposts = [65, 75]",
            "goalposts = [65, 65]",
            "[stars.party.member_index_mean] goalposts: must be two different numbers",
        ),
        (
            "goalposts = [0.6, 1.0]",
            "goalposts = [60, 100]",
            "[stars.party.exam_participation] goalposts: exam_participation is a share "
            "between 0 and 1",
        ),
        (
            "goalposts = [15, 0]",
            "goalposts = [0, 15]",
            "[stars.business.violations_per_1000_tickets] goalposts: the second goalpost is "
            "the full-score end: with direction = negative it must be below the first",
        ),
        (
            'metric = "duty_completion"',
            'metric = "duty_completions"',
            "did you mean duty_completion?",
        ),
        (
            "stars = 3\nparty_min",
            "stars = 6\nparty_min",
            "[stars.levels.6] stars: must be a whole number between 1 and 5; got 6",
        ),
        (
            "stars = 3\nparty_min",
            "stars = 4\nparty_min",
            "[stars.levels.5] stars: star levels repeated: [1, 2, 4, 4, 5]",
        ),
        ("veto_max_stars = 3", "veto_max_stars = 5", "a veto capping at five stars has no"),
        (
            'project_completion = [">=", 1.0]',
            'project_completion = ["==", 1.0]',
            '[stars.all_round] project_completion: must be [">=" or "<=", a number]',
        ),
        (
            'project_completion = [">=", 1.0]',
            'project_complete = [">=", 1.0]',
            "[stars.all_round] project_complete: unknown key; allowed in [stars.all_round]",
        ),
        ("pass_mark = 80", "pass_mark = 800", "[exam] pass_mark: must be a number between"),
        (
            'weighting = "combined"',
            'weighting = "entropy"',
            '[scheme] subjective_share: is used only with weighting = "combined"',
        ),
    ],
)
def test_a_broken_rule_is_named_by_table_and_key(tmp_path, old, new, expected):
    with pytest.raises(SchemeError, match=re.escape(expected)) as info:
        load_scheme(_write(tmp_path, _edit((old, new))))
    assert all(p.zh and p.en and p.file for p in info.value.problems)


def test_weights_and_an_ahp_matrix_that_the_weighting_ignores_are_refused(tmp_path):
    text = _edit(
        ('weighting = "combined"', 'weighting = "entropy"'),
        ("subjective_share = 0.7 ", ""),
        ("item_cap = 1\nquarter_cap = 10", "item_cap = 1\nquarter_cap = 10\nweight = 0.5"),
    )
    with pytest.raises(SchemeError, match="has 2 problems") as info:
        load_scheme(_write(tmp_path, text))
    assert [(p.table, p.key) for p in info.value.problems] == [
        ("[indicators.study]", "weight"),
        ("", "ahp"),
    ]
    assert 'the AHP matrix is used only with weighting = "ahp" or "combined"' in str(info.value)


def test_weights_are_required_when_weighting_is_given(tmp_path):
    with pytest.raises(
        SchemeError, match=r"\[indicators\.volunteer\] weight: missing \(required"
    ) as info:
        load_scheme(_write(tmp_path, _given([0.5, 0.5])))
    assert len(info.value.problems) == 7


def test_an_ahp_matrix_of_the_wrong_size_is_refused(tmp_path):
    text = _edit(('  [    1,     1,     3,     2,     2,     3,     4,     3, "1/2"],\n', ""))
    with pytest.raises(SchemeError, match=re.escape("[ahp] matrix: must be an 9×9 matrix")):
        load_scheme(_write(tmp_path, text))


def test_missing_key_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(SchemeError, match=r"\[scheme\] ceiling: missing \(required"):
        load_scheme(_write(tmp_path, _edit(("ceiling = 100 ", ""))))
    with pytest.raises(SchemeError, match="not valid UTF-8 TOML"):
        load_scheme(_write(tmp_path, DEFAULT + "\n[[[broken"))
    with pytest.raises(SchemeError, match="not valid UTF-8 TOML"):
        (tmp_path / "gbk.toml").write_bytes("[scheme]\nname = '先锋指数'\n".encode("gbk"))
        load_scheme(tmp_path / "gbk.toml")
    with pytest.raises(SchemeError, match="not found"):
        load_scheme(tmp_path / "nope.toml")
    with pytest.raises(SchemeError, match="is a folder, not a TOML file"):
        load_scheme(tmp_path)


def test_summary_shows_what_the_paper_rules_say():
    scheme = load_scheme()
    zh = scheme.summary()
    assert "study 理论学习：单项上限 1 · 季度上限 10" in zh
    assert "violation 违章扣分（违章）：轻微 2 · 一般 5 · 严重 10 · 季度上限 30" in zh
    assert "discipline 违纪一票否决（违纪，严重程度不低于 轻微）：等次不高于 基本合格" in zh
    assert "  优秀：≤ 20%\n  良好：≤ 40%\n  合格\n  基本合格：其余人员" in zh
    assert "星级门槛：五星 党建 ≥ 88，业务 ≥ 92；四星" in zh
    assert "一票否决项：违纪 → 一票否决后最高 三星" in zh
    assert "组合赋权（主观权重占比 70%）" in zh
    assert "每季一考：及格线 80 · 应考岗位：党委书记、" in zh
    en = scheme.summary("en")
    assert "Excellent: ≤ 20%" in en and "Safety violations (violations): minor 2" in en
    assert "project_completion ≥ 1" in en
    both = scheme.summary("zh-en")
    assert both == f"{zh}\n\n{en}"
    with pytest.raises(ParameterError, match="Scheme.summary: parameter 'language'"):
        scheme.summary("fr")


# --- the command line: `assess scheme check`, and nothing published from a bad scheme ---


def test_scheme_check_prints_the_summary_of_a_valid_scheme(capsys):
    assert main(["scheme", "check", str(default_scheme_path())]) == 0
    out = capsys.readouterr().out
    assert out.startswith("评分方案：先锋指数（示例方案）\n")
    assert "加分项：" in out and "五星党支部：" in out and "谈心谈话名单：" in out
    assert "Scoring scheme" not in out
    # The AHP weights the judgments give, with their consistency ratio.
    assert out.endswith(
        "\n层次分析法权重 (CR = 0.007)：study 16.9% · meetings 16.9% · volunteer 5.7% · "
        "innovation 10.5% · pioneer_post 10.5% · mentoring 5.7% · proposal 3.5% · honors 5.7% · "
        "business 24.6%\n"
    )
    assert main(["scheme", "check", str(default_scheme_path()), "--language", "en"]) == 0
    assert capsys.readouterr().out.startswith("Scoring scheme: Pioneer Index")


def test_scheme_check_lists_every_problem_and_exits_1(tmp_path, capsys):
    path = _write(
        tmp_path,
        _edit(("subjective_share = 0.7 ", "alpha = 0.7 "), ("base = 60 ", "base = 120 ")),
        "bad.toml",
    )
    assert main(["scheme", "check", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.toml has 2 problems" in captured.err and "Traceback" not in captured.err
    assert "[scheme] alpha" in captured.err and "[scheme] base" in captured.err


def test_scheme_check_refuses_inconsistent_ahp_judgments(tmp_path, capsys):
    # Reciprocal and on Saaty's scale, but 合理化建议 is now 9 times as important as
    # 理论学习 and as 岗位业绩, which outweigh it elsewhere: CR = 0.35 (AHPResult).
    text = _edit(
        (
            '  [    1,     1,     3,     2,     2,     3,     4,     3, "1/2"],',
            '  [    1,     1,     3,     2,     2,     3, "1/9",     3, "1/2"],',
        ),
        (
            '  ["1/4", "1/4", "1/2", "1/3", "1/3", "1/2",     1, "1/2", "1/6"],',
            '  [    9, "1/4", "1/2", "1/3", "1/3", "1/2",     1, "1/2",     9],',
        ),
        (
            "  [    2,     2,     4,     2,     2,     4,     6,     4,     1],",
            '  [    2,     2,     4,     2,     2,     4, "1/9",     4,     1],',
        ),
    )
    load_scheme(_write(tmp_path, text))  # every cell is allowed on its own
    assert main(["scheme", "check", str(tmp_path / "scheme.toml")]) == 1
    captured = capsys.readouterr()
    assert "CR = 0.352 > 0.10" in captured.err and captured.out == ""


def test_a_bad_scheme_publishes_nothing_through_score_and_run(small_demo, tmp_path, capsys):
    from assess.io.store import Store

    bad = _write(tmp_path, _edit(('max_share = "0.40"', 'max_share = "0.90"')), "bad.toml")
    store = tmp_path / "s.duckdb"
    assert main(["import", str(small_demo), "--store", str(store)]) == 0
    capsys.readouterr()
    score = ["score", "--quarter", "2026Q3", "--store", str(store), "--scheme", str(bad)]
    assert main(score) == 1
    assert "more than 100%" in capsys.readouterr().err
    with Store.open(store, create=False) as db:
        assert db.publications().empty
    # `assess run` checks the scheme before it imports, scores or writes anything.
    store2, reports = tmp_path / "s2.duckdb", tmp_path / "reports"
    run = ["run", str(small_demo), "--store", str(store2), "--quarter", "2026Q3"]
    assert main([*run, "--reports", str(reports), "--no-reports", "--scheme", str(bad)]) == 1
    assert "bad.toml has 1 problem" in capsys.readouterr().err
    assert not store2.exists() and not reports.exists()
    run[3] = str(store)
    assert main([*run, "--reports", str(reports), "--no-reports", "--scheme", str(bad)]) == 1
    with Store.open(store, create=False) as db:
        assert db.publications().empty


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(["[]", "{ a = 1 }"], id="containers"),
        pytest.param(
            ['"x"', "-1", "1e400", "true", '[1, "a"]', "[[1]]", "0.5"],
            id="all",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_any_damaged_line_is_refused_as_a_scheme_error_never_a_crash(tmp_path, values):
    # Every key line deleted, and every value replaced by values of other kinds:
    # load_scheme builds a scheme or raises SchemeError with its problems, nothing else.
    lines = DEFAULT.splitlines()
    keyed = [i for i, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
    variants = [lines[:i] + lines[i + 1 :] for i in keyed]
    variants += [
        [*lines[:i], f"{lines[i].split('=')[0]}= {value}", *lines[i + 1 :]]
        for i in keyed
        for value in values
    ]
    path = tmp_path / "scheme.toml"
    refused = 0
    for variant in variants:
        path.write_text("\n".join(variant), encoding="utf-8")
        try:
            load_scheme(path)
        except SchemeError as exc:
            refused += 1
            assert exc.problems or "TOML" in str(exc)
    assert refused > 0.8 * len(variants)
