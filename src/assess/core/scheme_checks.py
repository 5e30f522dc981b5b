"""Every check of a scoring scheme file, run on the TOML document before anything is built.

A scheme decides members' pay grades, so it is checked as strictly as the data: every
key must be known (an unknown one is named with the keys allowed there and the nearest
one; a renamed one says so), every value must have its kind and range, and every rule
the scoring relies on is checked across keys — weights that add up to 1, caps at least
the item points, base below the ceiling, quotas that add up to at most 100%, AHP
judgments that fit the indicators, star thresholds that rise with the stars, and names
that refer to something that exists. Every problem is collected, with the file, the
table, the key and the line, and :func:`check_document` returns them all at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from assess.core.errors import SchemeProblem
from assess.core.schema import EVENT_TYPES, SEVERITIES
from assess.core.scheme_reader import (
    AGGREGATIONS,
    DIRECTIONS,
    MISSING,
    NORMALISATIONS,
    QUOTA_SCOPES,
    ROUNDINGS,
    SHARE_METRICS,
    STAR_METRICS,
    TIE_POLICIES,
    VETO_EFFECTS,
    WEIGHTINGS,
    Place,
    Reader,
    element,
    judgment,
    show,
)

__all__ = ["RECIPROCAL_TOLERANCE", "SAATY_SCALE", "check_document"]

#: a_ij × a_ji may differ from 1 by this much (0.33 typed for 1/3), as in ``appraisal.ahp``.
RECIPROCAL_TOLERANCE = 0.05
#: Saaty's scale of pairwise judgments, 1/9 to 9.
SAATY_SCALE: tuple[float, float] = (1 / 9, 9.0)
# Indicator codes become columns of the members table beside these.
_RESERVED_CODES = frozenset(
    {"person_id", "name", "unit_code", "branch_name", "county", "city", "quarter", "index"}
    | {"weighted", "deductions", "index_before_veto", "vetoes", "grade", "borderline"}
    | {"rank_branch", "rank_county", "rank_city", "rank_overall"}
)


def check_document(doc: Mapping[str, Any], *, file: str, text: str) -> list[SchemeProblem]:
    """Every problem of a parsed scheme document, in the order of the file's tables.

    Parameters
    ----------
    doc : mapping
        The document as :func:`tomllib.loads` returns it.
    file : str
        The file's name as shown in each problem.
    text : str
        The file's text, scanned for line numbers.

    Returns
    -------
    list of SchemeProblem
        Empty when the scheme can be built and scored as written.

    Examples
    --------
    >>> import tomllib
    >>> text = "[scheme]\\nname = 'x'\\nbse = 60\\n"
    >>> problems = check_document(tomllib.loads(text), file="s.toml", text=text)
    >>> print(problems[0].text("en"))  # doctest: +NORMALIZE_WHITESPACE
    s.toml line 3 [scheme] bse: unknown key; allowed in [scheme]: name, name_en, base,
    ceiling, normalisation, weighting, subjective_share, aggregation; did you mean base?
    """
    c = Reader(file, text)
    c.known(doc, Place(""))
    weighting, ceiling = _check_head(c, doc)
    codes = _check_indicators(c, doc, weighting)
    _check_ahp(c, doc, weighting, len(codes))
    codes += _check_deductions(c, doc)
    grade_names = _check_grades(c, doc)
    codes += _check_vetoes(c, doc, grade_names)
    # One code, one rule: the ledger names every add item, deduction and veto by its code.
    seen: dict[str, Place] = {}
    for code, at in codes:
        if code in seen:
            c.add(
                at,
                "code",
                f"编码 {code} 已用于 {seen[code].label}：每条规则的编码须唯一",
                f"code {code} is already used by {seen[code].label}: each rule needs its own",
            )
        elif code:
            seen[code] = at
    _check_watch(c, doc)
    _check_stars(c, doc, ceiling)
    _check_exam(c, doc)
    return c.problems


def _check_head(c: Reader, doc: Mapping[str, Any]) -> tuple[str | None, float | None]:
    at = Place("scheme")
    head = c.table(doc, "scheme", Place(""))
    if head is None:
        return None, None
    c.known(head, at)
    c.text(head, "name", at)
    c.text(head, "name_en", at)
    base = c.number(head, "base", at, low=0)
    ceiling = c.number(head, "ceiling", at, above=0)
    if base is not None and ceiling is not None and base >= ceiling:
        c.add(
            at,
            "base",
            f"基础分 {base:g} 应低于满分 ceiling = {ceiling:g}（加分项在两者之间折算）",
            f"the base score {base:g} must be below the ceiling {ceiling:g} (add items score "
            "between the two)",
        )
    c.choice(head, "normalisation", at, NORMALISATIONS)
    weighting = c.choice(head, "weighting", at, WEIGHTINGS)
    c.choice(head, "aggregation", at, AGGREGATIONS, required=False)
    if "subjective_share" in head:
        c.number(head, "subjective_share", at, low=0, high=1)
        if weighting is not None and weighting != "combined":
            c.add(
                at,
                "subjective_share",
                f'仅在 weighting = "combined" 时使用，当前 weighting = "{weighting}"：请删除',
                f'is used only with weighting = "combined", not "{weighting}": remove it',
            )
    return weighting, ceiling


def _check_indicators(
    c: Reader, doc: Mapping[str, Any], weighting: str | None
) -> list[tuple[str, Place]]:
    codes: list[tuple[str, Place]] = []
    weights: list[float | None] = []
    for i, t in enumerate(c.array(doc, "indicators", Place(""))):
        at = element("indicators", i, t, "code")
        c.known(t, at)
        code = c.text(t, "code", at)
        if code is not None and (not code.isidentifier() or code in _RESERVED_CODES):
            c.expected(
                at,
                "code",
                "英文字母、数字和下划线组成的编码（不以数字开头），且不是结果表已有的列名",
                "a code of letters, digits and underscores not starting with a digit, and "
                "not a column the results already have",
                code,
            )
        codes.append((code or "", at))
        c.text(t, "zh", at)
        c.text(t, "en", at)
        item_cap = c.number(t, "item_cap", at, above=0)
        quarter_cap = c.number(t, "quarter_cap", at, above=0)
        if item_cap is not None and quarter_cap is not None and quarter_cap < item_cap:
            c.add(
                at,
                "quarter_cap",
                f"季度上限 {quarter_cap:g} 低于单条上限 item_cap = {item_cap:g}",
                f"the quarterly cap {quarter_cap:g} is below the cap per item {item_cap:g}",
            )
        c.choice(t, "direction", at, DIRECTIONS, required=False)
        if "weight" in t:
            weights.append(c.number(t, "weight", at, low=0))
            if weighting is not None and weighting != "given":
                c.add(
                    at,
                    "weight",
                    f'仅在 weighting = "given" 时使用，当前 weighting = "{weighting}"：请删除',
                    f'is used only with weighting = "given", not "{weighting}": remove it',
                )
        elif weighting == "given":
            zh, en = "数（weighting = given 时）", "a number (weighting = given)"
            c.expected(at, "weight", zh, en, MISSING)
            weights.append(None)
    if weighting == "given" and codes:
        c.weights_sum(codes[0][1], "weight", weights, "指标")
    return codes


def _check_ahp(c: Reader, doc: Mapping[str, Any], weighting: str | None, n: int) -> None:
    at = Place("ahp")
    if weighting not in ("ahp", "combined"):
        if "ahp" in doc and weighting is not None:
            c.add(
                Place(""),
                "ahp",
                f'判断矩阵仅在 weighting = "ahp" 或 "combined" 时使用，'
                f'当前为 "{weighting}"：请删除',
                f'the AHP matrix is used only with weighting = "ahp" or "combined", not '
                f'"{weighting}": remove it',
            )
        return
    ahp = c.table(doc, "ahp", Place(""))
    if ahp is None:
        return
    c.known(ahp, at)
    matrix = ahp.get("matrix", MISSING)
    if (
        not isinstance(matrix, list)
        or len(matrix) != n
        or not all(isinstance(row, list) and len(row) == n for row in matrix)
    ):
        if isinstance(matrix, list):
            widths = sorted({len(r) if isinstance(r, list) else 0 for r in matrix})
            matrix = f"{len(matrix)}×{'/'.join(map(str, widths)) or 0}"
        c.expected(
            at,
            "matrix",
            f" {n}×{n} 判断矩阵（每个指标一行一列，顺序同 [[indicators]]）",
            f"an {n}×{n} matrix (one row and column per indicator, in their order)",
            matrix,
        )
        return
    low, high = SAATY_SCALE
    values = [[judgment(v) for v in row] for row in matrix]
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            cell = f"matrix[{i + 1}][{j + 1}]"
            if value is None:
                zh, en = (
                    '正数或分数，如 3 或 "1/3"',
                    'a positive number or fraction, e.g. 3 or "1/3"',
                )
                c.expected(at, cell, zh, en, matrix[i][j])
            elif i == j and value != 1:
                c.expected(at, cell, "1（对角线）", "1 (the diagonal)", matrix[i][j])
            elif not low * (1 - 1e-9) <= value <= high * (1 + 1e-9):
                zh, en = "Saaty 标度 1/9 到 9 之间的判断", "a judgment on Saaty's scale, 1/9 to 9"
                c.expected(at, cell, zh, en, matrix[i][j])
    for i in range(n):
        for j in range(i + 1, n):
            upper, lower = values[i][j], values[j][i]
            if upper is not None and lower is not None:
                if abs(upper * lower - 1) > RECIPROCAL_TOLERANCE:
                    c.add(
                        at,
                        f"matrix[{j + 1}][{i + 1}]",
                        f"应为 matrix[{i + 1}][{j + 1}] = {matrix[i][j]} 的倒数（允许误差 "
                        f"{RECIPROCAL_TOLERANCE:.0%}），实际为 {matrix[j][i]}",
                        f"must be the reciprocal of matrix[{i + 1}][{j + 1}] = {matrix[i][j]} "
                        f"(within {RECIPROCAL_TOLERANCE:.0%}); got {matrix[j][i]}",
                    )


def _check_deductions(c: Reader, doc: Mapping[str, Any]) -> list[tuple[str, Place]]:
    codes = []
    for i, t in enumerate(c.array(doc, "deductions", Place(""), required=False)):
        at = element("deductions", i, t, "code")
        c.known(t, at)
        codes.append((c.text(t, "code", at) or "", at))
        c.text(t, "zh", at)
        c.text(t, "en", at)
        c.choice(t, "event_type", at, tuple(EVENT_TYPES))
        cap = c.number(t, "quarter_cap", at, above=0)
        points = t.get("points", MISSING)
        if not isinstance(points, dict) or sorted(points) != sorted(SEVERITIES):
            c.expected(
                at,
                "points",
                "按严重程度 1、2、3 的扣分表，三项齐全，如 {1 = 2, 2 = 5, 3 = 10}",
                "points for each severity 1, 2 and 3, e.g. {1 = 2, 2 = 5, 3 = 10}",
                points,
            )
            continue
        by_severity = [c.number(points, s, at, low=0) for s in sorted(SEVERITIES)]
        if any(p is None for p in by_severity):
            continue
        values = [p for p in by_severity if p is not None]
        if values != sorted(values):
            c.add(
                at,
                "points",
                f"扣分应随严重程度不减（1 轻微 ≤ 2 一般 ≤ 3 严重），实际为 {show(points)}",
                f"points must not fall with severity (1 ≤ 2 ≤ 3); got {show(points)}",
            )
        if cap is not None and cap < max(values):
            c.add(
                at,
                "quarter_cap",
                f"季度上限 {cap:g} 低于单起事件扣分 {max(values):g}",
                f"the quarterly cap {cap:g} is below the points of one event {max(values):g}",
            )
    return codes


def _check_grades(c: Reader, doc: Mapping[str, Any]) -> list[str]:
    at = Place("grades")
    grades = c.table(doc, "grades", Place(""))
    if grades is None:
        return []
    c.known(grades, at)
    c.choice(grades, "rounding", at, ROUNDINGS, required=False)
    c.choice(grades, "scope", at, QUOTA_SCOPES, required=False)
    c.choice(grades, "tie_policy", at, TIE_POLICIES, required=False)
    c.number(grades, "borderline", at, required=False, low=0)
    names: list[str] = []
    caps: list[Decimal] = []
    minimums: list[Decimal] = []
    levels = c.array(grades, "levels", at)
    for i, t in enumerate(levels):
        lv = element("grades.levels", i, t, "name")
        c.known(t, lv)
        names.append(c.text(t, "name", lv) or "")
        c.text(t, "en", lv)
        top = c.share(t, "max_share", lv)
        low = c.share(t, "min_share", lv)
        if top is not None and low is not None and low > top:
            c.add(
                lv,
                "min_share",
                f"下限比例 {low} 高于比例上限 max_share = {top}",
                f"the minimum share {low} is above the maximum share {top}",
            )
        if i == len(levels) - 1 and top is not None and top < 1:
            c.add(
                lv,
                "max_share",
                "最低等次不能设比例上限（它接收其余全部人员）",
                "the bottom grade has no cap (it takes the members left over)",
            )
        elif top is not None:
            caps.append(top)
        minimums.append(low or Decimal(0))
    first = Place("grades.levels", 0, names[0]) if names else at
    c.unique(first, "name", names, "等次名称", "grade names")
    if sum(caps) > 1:
        c.add(
            first,
            "max_share",
            f"各等次比例上限之和为 {sum(caps)}，超过 100%（{' + '.join(map(str, caps))}）",
            f"the grades' maximum shares add up to {sum(caps)}, more than 100% "
            f"({' + '.join(map(str, caps))})",
        )
    if sum(minimums) > 1:
        c.add(
            first,
            "min_share",
            f"各等次下限比例之和为 {sum(minimums)}，超过 100%",
            f"the grades' minimum shares add up to {sum(minimums)}, more than 100%",
        )
    return [n for n in names if n]


def _check_vetoes(c: Reader, doc: Mapping[str, Any], grades: list[str]) -> list[tuple[str, Place]]:
    codes = []
    for i, t in enumerate(c.array(doc, "vetoes", Place(""), required=False)):
        at = element("vetoes", i, t, "code")
        c.known(t, at)
        codes.append((c.text(t, "code", at) or "", at))
        c.text(t, "zh", at)
        c.text(t, "en", at)
        c.choice(t, "event_type", at, tuple(EVENT_TYPES))
        c.number(t, "min_severity", at, required=False, low=1, high=3, integer=True)
        effect = c.choice(t, "effect", at, VETO_EFFECTS)
        if effect == "cap" and grades:
            cap = c.choice(t, "cap_grade", at, grades)
            if cap is not None and cap == grades[0]:
                c.add(
                    at,
                    "cap_grade",
                    f"等次不高于最高等次 {cap} 不起作用：请选更低的等次",
                    f"a cap at the top grade {cap} has no effect: choose a lower grade",
                )
        elif effect is not None and effect != "cap" and "cap_grade" in t:
            c.add(
                at,
                "cap_grade",
                f'仅在 effect = "cap" 时使用，当前 effect = "{effect}"：请删除',
                f'is used only with effect = "cap", not "{effect}": remove it',
            )
    return codes


def _check_watch(c: Reader, doc: Mapping[str, Any]) -> None:
    at = Place("watchlist")
    watch = c.table(doc, "watchlist", Place(""))
    if watch is None:
        return
    c.known(watch, at)
    c.event_types(watch, "event_types", at, empty=False)
    c.number(watch, "min_events", at, low=1, integer=True)
    c.number(watch, "min_severity", at, low=1, high=3, integer=True)


def _check_exam(c: Reader, doc: Mapping[str, Any]) -> None:
    at = Place("exam")
    exam = c.table(doc, "exam", Place(""), required=False)
    if exam is None:
        return
    c.known(exam, at)
    c.number(exam, "pass_mark", at, required=False, low=0, high=100)
    posts = exam.get("eligible_posts", [])
    if not isinstance(posts, list) or not all(isinstance(p, str) and p.strip() for p in posts):
        c.expected(at, "eligible_posts", "岗位名称列表", "a list of post names", posts)
    else:
        c.unique(at, "eligible_posts", [p.strip() for p in posts], "应考岗位", "posts")


def _metric_range(
    c: Reader, at: Place, key: str, metric: str, values: list[float], ceiling: float | None
) -> None:
    if metric in SHARE_METRICS and any(not 0 <= v <= 1 for v in values):
        c.add(
            at,
            key,
            f"{metric} 是 0 到 1 之间的比例，{show(values)} 超出范围（60% 应写 0.6）",
            f"{metric} is a share between 0 and 1; {show(values)} is outside (write 60% as 0.6)",
        )
    elif metric == "member_index_mean" and ceiling is not None:
        if any(not 0 <= v <= ceiling for v in values):
            c.add(
                at,
                key,
                f"先锋指数在 0 与满分 {ceiling:g} 之间，{show(values)} 超出范围",
                f"the index lies between 0 and the ceiling {ceiling:g}; {show(values)} is outside",
            )
    elif any(v < 0 for v in values):
        zh = f"{metric} 不为负，{show(values)} 超出范围"
        c.add(at, key, zh, f"{metric} is never negative; {show(values)} is outside")


def _check_star_part(c: Reader, stars: Mapping[str, Any], part: str, ceiling: float | None) -> None:
    header = f"stars.{part}"
    metrics: list[str] = []
    weights: list[float | None] = []
    for i, t in enumerate(c.array(stars, part, Place("stars"))):
        at = element(header, i, t, "metric")
        c.known(t, at)
        metric = c.choice(t, "metric", at, STAR_METRICS)
        metrics.append(metric or "")
        c.text(t, "zh", at)
        c.text(t, "en", at)
        weights.append(c.number(t, "weight", at, above=0))
        direction = c.choice(t, "direction", at, DIRECTIONS, required=False) or "positive"
        goalposts = t.get("goalposts", MISSING)
        if (
            not isinstance(goalposts, list)
            or len(goalposts) != 2
            or not all(
                isinstance(g, int | float) and not isinstance(g, bool) and math.isfinite(g)
                for g in goalposts
            )
            or goalposts[0] == goalposts[1]
        ):
            zh, en = "两个不同的数 [低, 高]", "two different numbers [low, high]"
            c.expected(at, "goalposts", zh, en, goalposts)
            continue
        low, high = float(goalposts[0]), float(goalposts[1])
        if (direction == "positive") != (high > low):
            c.add(
                at,
                "goalposts",
                f"goalposts 的第二个数是满分端：direction = {direction} 时应"
                f"{'大于' if direction == 'positive' else '小于'}第一个数，"
                f"实际为 {show(goalposts)}",
                f"the second goalpost is the full-score end: with direction = {direction} it "
                f"must be {'above' if direction == 'positive' else 'below'} the first; got "
                f"{show(goalposts)}",
            )
        if metric is not None:
            _metric_range(c, at, "goalposts", metric, [low, high], ceiling)
    first = Place(header, 0, metrics[0]) if metrics else Place("stars")
    c.unique(first, "metric", [m for m in metrics if m], "指标", "metrics")
    c.weights_sum(first, "weight", weights, "党建评价" if part == "party" else "业务评价")


def _check_star_levels(c: Reader, stars: Mapping[str, Any]) -> None:
    levels: list[tuple[int, float, float, Place]] = []
    for i, t in enumerate(c.array(stars, "levels", Place("stars"))):
        at = element("stars.levels", i, t, "stars")
        c.known(t, at)
        n = c.number(t, "stars", at, low=1, high=5, integer=True)
        party = c.number(t, "party_min", at, low=0, high=100)
        business = c.number(t, "business_min", at, low=0, high=100)
        if n is not None and party is not None and business is not None:
            levels.append((int(n), party, business, at))
    counts = [lv[0] for lv in levels]
    if len(set(counts)) != len(counts):
        c.add(
            Place("stars.levels", 0, str(counts[0])),
            "stars",
            f"星级重复：{sorted(counts)}",
            f"star levels repeated: {sorted(counts)}",
        )
        return
    if levels and sorted(counts) != list(range(min(counts), 6)):
        c.add(
            Place("stars.levels", 0, str(counts[0])),
            "stars",
            f"星级应从最低一级连续到五星，实际为 {sorted(counts)}",
            f"star levels must run without a gap up to 5; got {sorted(counts)}",
        )
    # More stars never need less: each threshold is at least that of the level below.
    ordered = sorted(levels, key=lambda lv: lv[0])
    for lower, upper in zip(ordered, ordered[1:], strict=False):
        for key, low, high in (
            ("party_min", lower[1], upper[1]),
            ("business_min", lower[2], upper[2]),
        ):
            if high < low:
                c.add(
                    upper[3],
                    key,
                    f"{upper[0]} 星的门槛 {high:g} 低于 {lower[0]} 星的 {low:g}",
                    f"the {upper[0]}-star threshold {high:g} is below the "
                    f"{lower[0]}-star threshold {low:g}",
                )


def _check_stars(c: Reader, doc: Mapping[str, Any], ceiling: float | None) -> None:
    at = Place("stars")
    stars = c.table(doc, "stars", Place(""))
    if stars is None:
        return
    c.known(stars, at)
    veto_types = c.event_types(stars, "veto_event_types", at, empty=True)
    most = c.number(stars, "veto_max_stars", at, required=False, low=0, high=5, integer=True)
    if veto_types and most == 5:
        c.add(
            at,
            "veto_max_stars",
            "否决后最高五星不起作用：应小于 5",
            "a veto capping at five stars has no effect: it must be below 5",
        )
    _check_star_part(c, stars, "party", ceiling)
    _check_star_part(c, stars, "business", ceiling)
    _check_star_levels(c, stars)
    rounds = c.table(stars, "all_round", at)
    if rounds is None:
        return
    where = Place("stars.all_round")
    c.known(rounds, where)
    for metric, rule in rounds.items():
        if metric not in STAR_METRICS:
            continue
        if (
            not isinstance(rule, list)
            or len(rule) != 2
            or rule[0] not in (">=", "<=")
            or isinstance(rule[1], bool)
            or not isinstance(rule[1], int | float)
        ):
            c.expected(where, metric, '[">=" 或 "<=", 数值]', '[">=" or "<=", a number]', rule)
        else:
            _metric_range(c, where, metric, metric, [float(rule[1])], ceiling)
