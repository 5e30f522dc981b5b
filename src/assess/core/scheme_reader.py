"""Reading a scoring scheme document: the keys allowed in each table, typed values, and
every problem collected with its file, TOML table, key and line.

:class:`Reader` never stops at the first problem: each method records what is wrong and
returns ``None``, so :mod:`assess.core.scheme_checks` lists every problem of a file at
once. tomllib gives no line numbers; :class:`Lines` finds them by a scan of the text.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from assess.core.errors import SchemeError, SchemeProblem, bilingual
from assess.core.schema import EVENT_TYPES, SEVERITIES

__all__ = [
    "NORMALISATIONS",
    "WEIGHTINGS",
    "AGGREGATIONS",
    "VETO_EFFECTS",
    "DIRECTIONS",
    "ROUNDINGS",
    "QUOTA_SCOPES",
    "TIE_POLICIES",
    "STAR_METRICS",
    "SHARE_METRICS",
    "KEYS",
    "RENAMED",
    "WEIGHT_TOLERANCE",
    "MISSING",
    "Place",
    "Lines",
    "Reader",
    "element",
    "show",
    "did_you_mean",
    "judgment",
    "scheme_error",
]

NORMALISATIONS: tuple[str, ...] = ("goalpost", "minmax", "zscore", "rank")
WEIGHTINGS: tuple[str, ...] = ("given", "ahp", "entropy", "critic", "combined")
AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")
VETO_EFFECTS: tuple[str, ...] = ("zero", "exclude-top", "cap")
DIRECTIONS: tuple[str, ...] = ("positive", "negative")
ROUNDINGS: tuple[str, ...] = ("half-up", "floor", "ceil")
QUOTA_SCOPES: tuple[str, ...] = ("branch", "pooled")
TIE_POLICIES: tuple[str, ...] = ("strict", "favour")
#: The branch metrics the scoring computes (``assess.appraisal.branch_metrics.METRICS``),
#: the only names a star rule can refer to.
STAR_METRICS: tuple[str, ...] = (
    "members",
    "member_index_mean",
    "violations",
    "violations_per_1000_tickets",
    "complaints",
    "complaints_per_10000_customers",
    "discipline_breaches",
    "exam_participation",
    "duty_completion",
    "project_completion",
    "problem_closure",
)
#: Star metrics that are shares (0 to 1): goalposts and benchmarks outside [0, 1] are
#: percentages written as shares' numbers (60 for 0.6).
SHARE_METRICS: tuple[str, ...] = (
    "exam_participation",
    "duty_completion",
    "project_completion",
    "problem_closure",
)
#: Weights must add up to 1 within this tolerance (three decimals as written on paper).
WEIGHT_TOLERANCE = 0.001

#: The keys allowed in each table (arrays of tables by their header).
KEYS: dict[str, tuple[str, ...]] = {
    "": ("scheme", "indicators", "ahp", "deductions", "vetoes", "grades", "watchlist")
    + ("stars", "exam"),
    "scheme": ("name", "name_en", "base", "ceiling", "normalisation", "weighting")
    + ("subjective_share", "aggregation"),
    "indicators": ("code", "zh", "en", "item_cap", "quarter_cap", "direction", "weight"),
    "ahp": ("matrix",),
    "deductions": ("code", "zh", "en", "event_type", "points", "quarter_cap"),
    "deductions.points": tuple(SEVERITIES),
    "vetoes": ("code", "zh", "en", "event_type", "min_severity", "effect", "cap_grade"),
    "grades": ("rounding", "scope", "tie_policy", "borderline", "levels"),
    "grades.levels": ("name", "en", "max_share", "min_share"),
    "watchlist": ("event_types", "min_events", "min_severity"),
    "stars": ("veto_event_types", "veto_max_stars", "party", "business", "levels", "all_round"),
    "stars.party": ("metric", "zh", "en", "weight", "goalposts", "direction"),
    "stars.business": ("metric", "zh", "en", "weight", "goalposts", "direction"),
    "stars.levels": ("stars", "party_min", "business_min"),
    "stars.all_round": STAR_METRICS,
    "exam": ("pass_mark", "eligible_posts"),
}
#: Keys renamed in a release: (table, old key) → (new key, version).
RENAMED: dict[tuple[str, str], tuple[str, str]] = {
    ("scheme", "alpha"): ("subjective_share", "0.2.0"),
}
MISSING = object()


@dataclass(frozen=True)
class Place:
    """A table of the document: its TOML header and, in an array of tables, its position."""

    header: str
    index: int | None = None
    name: str = ""

    @property
    def label(self) -> str:
        if self.index is not None:
            return f"[{self.header}.{self.name or f'#{self.index + 1}'}]"
        return f"[{self.header}]" if self.header else ""


_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")


class Lines:
    """Where tables and keys are in the file text (tomllib gives no line numbers)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        # (header, occurrence, 0-based line of the header); the top level comes first.
        self.sections: list[tuple[str, int, int]] = [("", 0, -1)]
        seen: dict[str, int] = {}
        for no, line in enumerate(self.lines):
            match = _HEADER.match(line)
            if match:
                name = ".".join(p.strip().strip("\"'") for p in match.group(1).split("."))
                self.sections.append((name, seen.get(name, 0), no))
                seen[name] = seen.get(name, 0) + 1

    def find(self, at: Place, key: str) -> int | None:
        for pos, (name, occurrence, start) in enumerate(self.sections):
            if name != at.header or occurrence != (at.index or 0):
                continue
            end = self.sections[pos + 1][2] if pos + 1 < len(self.sections) else len(self.lines)
            head = key.split(".")[0].split("[")[0]
            if head:
                quoted = re.escape(head)
                pattern = re.compile(rf"""^\s*(?:{quoted}|"{quoted}"|'{quoted}')\s*[=.]""")
                for no in range(start + 1, end):
                    if pattern.match(self.lines[no]):
                        return no + 1
                sub = f"{name}.{head}" if name else head
                for other, _, line in self.sections:
                    if other == sub:
                        return line + 1
            return start + 1 if start >= 0 else None
        return None


def show(value: Any) -> str:
    if value is MISSING:
        return "（缺失）/ (missing)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def did_you_mean(key: str, allowed: Sequence[str]) -> tuple[str, str]:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if not close:
        return "", ""
    return f"；是否想写 {close[0]}？", f"; did you mean {close[0]}?"


def judgment(value: Any) -> float | None:
    """A pairwise judgment as written on paper — 3, or ``"1/3"`` — or None if it is not one.

    Examples
    --------
    >>> judgment("1/3") == 1 / 3, judgment(3), judgment("three")
    (True, 3.0, None)
    """
    if isinstance(value, str) and value.count("/") == 1:
        num, den = value.split("/")
        try:
            number = float(num) / float(den)
        except (ValueError, ZeroDivisionError):
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        return None
    return number if math.isfinite(number) and number > 0 else None


class Reader:
    """Reads typed values from the document and collects every problem, never stopping."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = Lines(text)
        self.problems: list[SchemeProblem] = []

    def add(self, at: Place, key: str, zh: str, en: str) -> None:
        line = self.lines.find(at, key)
        self.problems.append(SchemeProblem(self.file, at.label, key, line, zh, en))

    def expected(self, at: Place, key: str, zh: str, en: str, got: Any) -> None:
        if got is MISSING:
            self.add(at, key, f"缺少此键（必填：{zh}）", f"missing (required: {en})")
        else:
            self.add(at, key, f"应为{zh}，实际为 {show(got)}", f"must be {en}; got {show(got)}")

    def known(self, table: Mapping[str, Any], at: Place) -> None:
        allowed = KEYS[at.header]
        for key in table:
            if key in allowed:
                continue
            renamed = RENAMED.get((at.header, key))
            if renamed is not None:
                new, version = renamed
                self.add(
                    at,
                    key,
                    f"键 {key} 已在 {version} 版改名为 {new}，请改名（否则该值不会被使用）",
                    f"key {key} was renamed {new} in {version}; rename it (its value would "
                    "not be used)",
                )
                continue
            hint_zh, hint_en = did_you_mean(key, allowed)
            where_zh = f"[{at.header}] 中" if at.header else "顶层"
            where_en = f"in [{at.header}]" if at.header else "at the top level"
            self.add(
                at,
                key,
                f"未知的键；{where_zh}允许的键：{', '.join(allowed)}{hint_zh}",
                f"unknown key; allowed {where_en}: {', '.join(allowed)}{hint_en}",
            )

    def table(
        self, parent: Mapping[str, Any], key: str, at: Place, *, required: bool = True
    ) -> dict[str, Any] | None:
        value = parent.get(key, MISSING)
        if value is MISSING and not required:
            return None
        if not isinstance(value, dict):
            self.expected(at, key, f"表 [{key}]", f"a table [{key}]", value)
            return None
        return value

    def array(
        self, parent: Mapping[str, Any], key: str, at: Place, *, required: bool = True
    ) -> list[dict[str, Any]]:
        value = parent.get(key, MISSING)
        if value is MISSING and not required:
            return []
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            full = f"{at.header}.{key}" if at.header else key
            self.expected(
                at, key, f"至少一个表 [[{full}]]", f"at least one table [[{full}]]", value
            )
            return []
        return value

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        at: Place,
        *,
        required: bool = True,
        low: float | None = None,
        high: float | None = None,
        above: float | None = None,
        integer: bool = False,
    ) -> float | None:
        value = table.get(key, MISSING)
        if value is MISSING and not required:
            return None
        kind_zh, kind_en = ("整数", "a whole number") if integer else ("数", "a number")
        if above is not None:
            zh, en = f"大于 {above:g} 的{kind_zh}", f"{kind_en} above {above:g}"
        elif low is not None and high is not None:
            zh = f"介于 {low:g} 与 {high:g} 之间的{kind_zh}"
            en = f"{kind_en} between {low:g} and {high:g}"
        elif low is not None:
            zh, en = f"不小于 {low:g} 的{kind_zh}", f"{kind_en} of at least {low:g}"
        else:
            zh, en = kind_zh, kind_en
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or (integer and not float(value).is_integer())
            or (low is not None and value < low)
            or (above is not None and value <= above)
            or (high is not None and value > high)
        ):
            self.expected(at, key, zh, en, value)
            return None
        return float(value)

    def text(
        self, table: Mapping[str, Any], key: str, at: Place, *, required: bool = True
    ) -> str | None:
        value = table.get(key, MISSING)
        if value is MISSING and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.expected(at, key, "非空文本", "non-empty text", value)
            return None
        return value.strip()

    def choice(
        self,
        table: Mapping[str, Any],
        key: str,
        at: Place,
        choices: Sequence[str],
        *,
        required: bool = True,
    ) -> str | None:
        value = table.get(key, MISSING)
        if value is MISSING and not required:
            return None
        if value not in choices:
            allowed = " | ".join(choices)
            hint_zh, hint_en = did_you_mean(value, choices) if isinstance(value, str) else ("", "")
            self.expected(
                at, key, f"以下之一：{allowed}{hint_zh}", f"one of {allowed}{hint_en}", value
            )
            return None
        return str(value)

    def share(self, table: Mapping[str, Any], key: str, at: Place) -> Decimal | None:
        value = table.get(key, MISSING)
        if value is MISSING:
            return None
        share = None
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                share = Decimal(str(value).strip())
            except InvalidOperation:
                share = None
        if share is None or not share.is_finite() or not 0 <= share <= 1:
            zh, en = '0 到 1 之间的比例，如 "0.20"', 'a share between 0 and 1, e.g. "0.20"'
            self.expected(at, key, zh, en, value)
            return None
        return share

    def event_types(
        self, table: Mapping[str, Any], key: str, at: Place, *, empty: bool
    ) -> list[str]:
        value = table.get(key, [] if empty else MISSING)
        names = ", ".join(EVENT_TYPES)
        if (
            not isinstance(value, list)
            or (not value and not empty)
            or any(not isinstance(x, str) or x not in EVENT_TYPES for x in value)
            or len(set(value)) != len(value)
        ):
            self.expected(
                at,
                key,
                f"互不重复的事件类型列表，取自 {names}",
                f"a list of distinct event types from {names}",
                value,
            )
            return []
        return list(value)

    def unique(self, at: Place, key: str, values: list[str], what_zh: str, what_en: str) -> None:
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            self.add(
                at,
                key,
                f"{what_zh}重复：{', '.join(repeated)}",
                f"{what_en} repeated: {', '.join(repeated)}",
            )

    def weights_sum(self, at: Place, key: str, weights: list[float | None], what: str) -> None:
        if not weights or any(w is None for w in weights):
            return
        total = math.fsum(w for w in weights if w is not None)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            self.add(
                at,
                key,
                f"{what}权重之和应为 1（允许误差 ±{WEIGHT_TOLERANCE:g}），实际为 {total:.6g}",
                f"the weights of {at.header} must add up to 1 (within ±{WEIGHT_TOLERANCE:g}); "
                f"they add up to {total:.6g}",
            )


def element(at: str, i: int, t: Mapping[str, Any], name_key: str) -> Place:
    name = t.get(name_key)
    shown = str(name).strip() if isinstance(name, str | int) and not isinstance(name, bool) else ""
    return Place(at, i, shown)


def scheme_error(file: str, problems: Sequence[SchemeProblem]) -> SchemeError:
    """The one error of a scheme with ``problems``: a headline, then one problem a line pair.

    Examples
    --------
    >>> p = SchemeProblem("s.toml", "[scheme]", "base", 3, "应为数", "must be a number")
    >>> print(scheme_error("s.toml", [p]))  # doctest: +NORMALIZE_WHITESPACE
    评分方案 s.toml 有 1 处问题，请修改后再评分 / scoring scheme s.toml has 1 problem;
    fix it before scoring:
      · s.toml 第 3 行 [scheme] base：应为数
        s.toml line 3 [scheme] base: must be a number
    """
    n = len(problems)
    head = bilingual(
        f"评分方案 {file} 有 {n} 处问题，请修改后再评分",
        f"scoring scheme {file} has {n} problem{'s' if n != 1 else ''}; "
        f"fix {'them' if n != 1 else 'it'} before scoring:",
    )
    lines = [head]
    for p in problems:
        lines += [f"  · {p.text('zh')}", f"    {p.text('en')}"]
    return SchemeError("\n".join(lines), problems)
