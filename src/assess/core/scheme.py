"""The scoring scheme: a declarative TOML file that says how the Pioneer Index is built.

A scheme declares the base score, the add items (indicators with per-item and
per-quarter caps), the deduction items fed from events, the veto items (一票否决),
the normalisation, the weights (given, AHP, entropy, CRITIC or combined), the
aggregation, the grades with their quotas, the watch-list rule and the five-star branch
rules. :func:`load_scheme` checks every key and names the one that is wrong.

The package ships ``default_scheme.toml``, built from the source reports: an
illustration to adapt, not a standard.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from assess.core.checks import check_path
from assess.core.errors import SchemeError, bilingual
from assess.core.schema import EVENT_TYPES

__all__ = [
    "Indicator",
    "Deduction",
    "Veto",
    "GradeLevel",
    "WatchRule",
    "ExamRule",
    "StarMetric",
    "StarLevel",
    "StarRules",
    "Scheme",
    "load_scheme",
    "default_scheme_path",
    "NORMALISATIONS",
    "WEIGHTINGS",
    "AGGREGATIONS",
    "VETO_EFFECTS",
]

NORMALISATIONS: tuple[str, ...] = ("goalpost", "minmax", "zscore", "rank")
WEIGHTINGS: tuple[str, ...] = ("given", "ahp", "entropy", "critic", "combined")
AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")
VETO_EFFECTS: tuple[str, ...] = ("zero", "exclude-top", "cap")
DIRECTIONS: tuple[str, ...] = ("positive", "negative")
ROUNDINGS: tuple[str, ...] = ("half-up", "floor", "ceil")
QUOTA_SCOPES: tuple[str, ...] = ("branch", "pooled")


@dataclass(frozen=True)
class Indicator:
    """An add item: points a member earns, capped per piece of evidence and per quarter."""

    code: str
    zh: str
    en: str
    item_cap: float
    quarter_cap: float
    direction: str = "positive"
    weight: float | None = None


@dataclass(frozen=True)
class Deduction:
    """Points taken off per event of ``event_type``, by severity, capped per quarter."""

    code: str
    zh: str
    en: str
    event_type: str
    points: Mapping[int, float]
    quarter_cap: float


@dataclass(frozen=True)
class Veto:
    """一票否决: an event that gates the result with a declared effect.

    ``effect`` is ``"zero"`` (index set to 0), ``"exclude-top"`` (never the top grade) or
    ``"cap"`` (grade no better than ``cap_grade``).
    """

    code: str
    zh: str
    en: str
    event_type: str
    min_severity: int
    effect: str
    cap_grade: str | None = None


@dataclass(frozen=True)
class GradeLevel:
    """A grade with its quota: at most ``max_share`` and at least ``min_share`` of members.

    Shares are kept as text so quotas are computed in exact decimal arithmetic.
    """

    name: str
    en: str
    max_share: str | None = None
    min_share: str | None = None


@dataclass(frozen=True)
class WatchRule:
    """谈心谈话: a member is watched when the quarter's events reach either threshold."""

    event_types: tuple[str, ...]
    min_events: int
    min_severity: int


@dataclass(frozen=True)
class ExamRule:
    """每季一考: the pass mark and who must sit the exam (posts; empty = every member)."""

    pass_mark: float = 80.0
    eligible_posts: tuple[str, ...] = ()


@dataclass(frozen=True)
class StarMetric:
    """One branch metric in a sub-score, scored 0–100 between its goalposts."""

    metric: str
    zh: str
    en: str
    weight: float
    low: float
    high: float
    direction: str = "positive"


@dataclass(frozen=True)
class StarLevel:
    """Both sub-scores must reach their thresholds (双达标) for this many stars."""

    stars: int
    party_min: float
    business_min: float


@dataclass(frozen=True)
class StarRules:
    """Five-star branch rules: two sub-scores, conjunctive levels, vetoes, all-round gate."""

    party: tuple[StarMetric, ...]
    business: tuple[StarMetric, ...]
    levels: tuple[StarLevel, ...]
    veto_event_types: tuple[str, ...]
    veto_max_stars: int
    all_round: Mapping[str, tuple[str, float]]


@dataclass(frozen=True)
class Scheme:
    """A complete scoring scheme (see the module docstring and ``default_scheme.toml``)."""

    name: str
    name_en: str
    base: float
    ceiling: float
    normalisation: str
    weighting: str
    aggregation: str
    subjective_share: float
    ahp_matrix: tuple[tuple[float, ...], ...] | None
    indicators: tuple[Indicator, ...]
    deductions: tuple[Deduction, ...]
    vetoes: tuple[Veto, ...]
    grades: tuple[GradeLevel, ...]
    rounding: str
    quota_scope: str
    tie_policy: str
    borderline: float
    watch: WatchRule
    stars: StarRules
    exam: ExamRule
    source: str
    sha256: str

    @property
    def indicator_codes(self) -> list[str]:
        """Indicator codes in declared order."""
        return [i.code for i in self.indicators]


def default_scheme_path() -> Path:
    """Path of the scheme shipped with the package."""
    return Path(str(resources.files("assess") / "resources" / "default_scheme.toml"))


class _Reader:
    """Reads typed values from a TOML table, naming the full key in every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, expected_zh: str, expected_en: str, got: Any) -> SchemeError:
        return SchemeError(
            bilingual(
                f"评分方案 {self.source}：键 {key} 应为{expected_zh}，实际为 {got!r}",
                f"scoring scheme {self.source}: key {key} must be {expected_en}; got {got!r}",
            )
        )

    def get(self, table: Mapping[str, Any], key: str, path: str, default: Any = ...) -> Any:
        if key in table:
            return table[key]
        if default is ...:
            raise self.fail(f"{path}.{key}".lstrip("."), "必填项", "present", "(missing)")
        return default

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        default: Any = ...,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float:
        value = self.get(table, key, path, default)
        full = f"{path}.{key}".lstrip(".")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(full, "数值", "a number", value)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            lo = "-∞" if minimum is None else f"{minimum:g}"
            hi = "∞" if maximum is None else f"{maximum:g}"
            raise self.fail(full, f"介于 {lo} 与 {hi} 之间的数", f"between {lo} and {hi}", value)
        return float(value)

    def text(self, table: Mapping[str, Any], key: str, path: str, default: Any = ...) -> str:
        value = self.get(table, key, path, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{path}.{key}".lstrip("."), "非空文本", "non-empty text", value)
        return value.strip()

    def choice(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        choices: tuple[str, ...],
        default: Any = ...,
    ) -> str:
        value = self.get(table, key, path, default)
        if value not in choices:
            allowed = " | ".join(choices)
            raise self.fail(
                f"{path}.{key}".lstrip("."), f"以下之一：{allowed}", f"one of {allowed}", value
            )
        return str(value)

    def share(self, table: Mapping[str, Any], key: str, path: str) -> str | None:
        if key not in table:
            return None
        value = table[key]
        full = f"{path}.{key}"
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(full, "0 到 1 之间的比例", "a share between 0 and 1", value)
        text = str(value).strip()
        try:
            share = float(text)
        except ValueError:
            raise self.fail(full, "0 到 1 之间的比例", "a share between 0 and 1", value) from None
        if not 0 <= share <= 1:
            raise self.fail(full, "0 到 1 之间的比例", "a share between 0 and 1", value)
        return text

    def tables(self, table: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
        value = self.get(table, key, path)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(
                f"{path}.{key}".lstrip("."), "表数组 [[...]]", "an array of tables [[...]]", value
            )
        return value


def load_scheme(path: str | Path | None = None) -> Scheme:
    """Read and check a scoring scheme; ``None`` loads the shipped default.

    Raises
    ------
    SchemeError
        The file cannot be read, or a key is missing or has a value that is not allowed;
        the message names the key and what is allowed.

    Examples
    --------
    >>> scheme = load_scheme()
    >>> scheme.base, scheme.weighting, len(scheme.indicators) > 0
    (60.0, 'combined', True)
    """
    file = check_path("load_scheme", "path", path) if path is not None else default_scheme_path()
    try:
        raw_bytes = file.read_bytes()
        doc = tomllib.loads(raw_bytes.decode("utf-8"))
    except FileNotFoundError:
        raise SchemeError(
            bilingual(f"找不到评分方案文件 {file}", f"scheme file not found: {file}")
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SchemeError(
            bilingual(
                f"评分方案 {file} 不是有效的 TOML：{exc}", f"scheme {file} is not valid TOML: {exc}"
            )
        ) from None
    r = _Reader(file.name)
    head = r.get(doc, "scheme", "")
    indicators = tuple(
        _indicator(r, t, f"indicators[{i}]") for i, t in enumerate(r.tables(doc, "indicators", ""))
    )
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        raise r.fail("indicators[].code", "互不相同的编码", "unique codes", codes)
    weighting = r.choice(head, "weighting", "scheme", WEIGHTINGS)
    ahp = _ahp_matrix(r, doc, weighting, len(indicators))
    if weighting == "given":
        for i, ind in enumerate(indicators):
            if ind.weight is None:
                raise r.fail(
                    f"indicators[{i}].weight",
                    "数值（weighting = given 时必填）",
                    "a number (required when weighting = given)",
                    "(missing)",
                )
    grades = tuple(
        _grade(r, t, f"grades.levels[{i}]")
        for i, t in enumerate(r.tables(r.get(doc, "grades", ""), "levels", "grades"))
    )
    grade_names = [g.name for g in grades]
    vetoes = tuple(
        _veto(r, t, f"vetoes[{i}]", grade_names) for i, t in enumerate(doc.get("vetoes", []))
    )
    grades_head = doc["grades"]
    return Scheme(
        name=r.text(head, "name", "scheme"),
        name_en=r.text(head, "name_en", "scheme"),
        base=r.number(head, "base", "scheme", minimum=0),
        ceiling=r.number(head, "ceiling", "scheme", minimum=0),
        normalisation=r.choice(head, "normalisation", "scheme", NORMALISATIONS),
        weighting=weighting,
        aggregation=r.choice(head, "aggregation", "scheme", AGGREGATIONS, "arithmetic"),
        subjective_share=r.number(head, "subjective_share", "scheme", 0.5, minimum=0, maximum=1),
        ahp_matrix=ahp,
        indicators=indicators,
        deductions=tuple(
            _deduction(r, t, f"deductions[{i}]") for i, t in enumerate(doc.get("deductions", []))
        ),
        vetoes=vetoes,
        grades=grades,
        rounding=r.choice(grades_head, "rounding", "grades", ROUNDINGS, "half-up"),
        quota_scope=r.choice(grades_head, "scope", "grades", QUOTA_SCOPES, "branch"),
        tie_policy=r.choice(grades_head, "tie_policy", "grades", ("strict", "favour"), "strict"),
        borderline=r.number(grades_head, "borderline", "grades", 0.5, minimum=0),
        watch=_watch(r, r.get(doc, "watchlist", "")),
        stars=_stars(r, r.get(doc, "stars", "")),
        exam=_exam(r, doc.get("exam", {})),
        source=str(file),
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
    )


def _indicator(r: _Reader, t: Mapping[str, Any], path: str) -> Indicator:
    weight = r.number(t, "weight", path, None, minimum=0) if "weight" in t else None
    return Indicator(
        code=r.text(t, "code", path),
        zh=r.text(t, "zh", path),
        en=r.text(t, "en", path),
        item_cap=r.number(t, "item_cap", path, minimum=0),
        quarter_cap=r.number(t, "quarter_cap", path, minimum=0),
        direction=r.choice(t, "direction", path, DIRECTIONS, "positive"),
        weight=weight,
    )


def _ahp_matrix(
    r: _Reader, doc: Mapping[str, Any], weighting: str, n: int
) -> tuple[tuple[float, ...], ...] | None:
    if weighting not in ("ahp", "combined"):
        return None
    ahp = r.get(doc, "ahp", "")
    matrix = r.get(ahp, "matrix", "ahp")
    if (
        not isinstance(matrix, list)
        or len(matrix) != n
        or not all(isinstance(row, list) and len(row) == n for row in matrix)
    ):
        raise r.fail(
            "ahp.matrix",
            f"{n}×{n} 判断矩阵（与指标数相同）",
            f"an {n}×{n} matrix (one row per indicator)",
            matrix,
        )
    return tuple(
        tuple(_judgment(r, value, f"ahp.matrix[{i}][{j}]") for j, value in enumerate(row))
        for i, row in enumerate(matrix)
    )


def _judgment(r: _Reader, value: Any, key: str) -> float:
    # Judgments are written as on paper: 3, or "1/3" for the reciprocal.
    if isinstance(value, str) and value.count("/") == 1:
        num, den = value.split("/")
        try:
            number = float(num) / float(den)
        except (ValueError, ZeroDivisionError):
            number = -1.0
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        number = -1.0
    if not number > 0:
        raise r.fail(
            key,
            '正数或分数，如 3 或 "1/3"',
            'a positive number or fraction such as 3 or "1/3"',
            value,
        )
    return number


def _deduction(r: _Reader, t: Mapping[str, Any], path: str) -> Deduction:
    points_raw = r.get(t, "points", path)
    if not isinstance(points_raw, dict):
        raise r.fail(
            f"{path}.points",
            "按严重程度的扣分表，如 {1 = 2, 2 = 5, 3 = 10}",
            "points by severity, e.g. {1 = 2, 2 = 5, 3 = 10}",
            points_raw,
        )
    points: dict[int, float] = {}
    for key in points_raw:
        if key not in ("1", "2", "3"):
            raise r.fail(f"{path}.points", "严重程度 1、2、3", "severities 1, 2, 3", key)
        points[int(key)] = r.number(points_raw, key, f"{path}.points", minimum=0)
    return Deduction(
        code=r.text(t, "code", path),
        zh=r.text(t, "zh", path),
        en=r.text(t, "en", path),
        event_type=r.choice(t, "event_type", path, tuple(EVENT_TYPES)),
        points=points,
        quarter_cap=r.number(t, "quarter_cap", path, minimum=0),
    )


def _veto(r: _Reader, t: Mapping[str, Any], path: str, grades: list[str]) -> Veto:
    effect = r.choice(t, "effect", path, VETO_EFFECTS)
    cap_grade = None
    if effect == "cap":
        cap_grade = r.choice(t, "cap_grade", path, tuple(grades))
    return Veto(
        code=r.text(t, "code", path),
        zh=r.text(t, "zh", path),
        en=r.text(t, "en", path),
        event_type=r.choice(t, "event_type", path, tuple(EVENT_TYPES)),
        min_severity=int(r.number(t, "min_severity", path, 1, minimum=1, maximum=3)),
        effect=effect,
        cap_grade=cap_grade,
    )


def _grade(r: _Reader, t: Mapping[str, Any], path: str) -> GradeLevel:
    return GradeLevel(
        name=r.text(t, "name", path),
        en=r.text(t, "en", path),
        max_share=r.share(t, "max_share", path),
        min_share=r.share(t, "min_share", path),
    )


def _watch(r: _Reader, t: Mapping[str, Any]) -> WatchRule:
    types = r.get(t, "event_types", "watchlist")
    if not isinstance(types, list) or not types or any(x not in EVENT_TYPES for x in types):
        raise r.fail(
            "watchlist.event_types",
            f"事件类型列表，取自 {', '.join(EVENT_TYPES)}",
            f"a list of event types from {', '.join(EVENT_TYPES)}",
            types,
        )
    return WatchRule(
        event_types=tuple(types),
        min_events=int(r.number(t, "min_events", "watchlist", minimum=1)),
        min_severity=int(r.number(t, "min_severity", "watchlist", minimum=1, maximum=3)),
    )


def _exam(r: _Reader, t: Mapping[str, Any]) -> ExamRule:
    posts = t.get("eligible_posts", [])
    if not isinstance(posts, list) or not all(isinstance(p, str) and p.strip() for p in posts):
        raise r.fail("exam.eligible_posts", "岗位名称列表", "a list of post names", posts)
    return ExamRule(
        pass_mark=r.number(t, "pass_mark", "exam", 80.0, minimum=0, maximum=100),
        eligible_posts=tuple(p.strip() for p in posts),
    )


def _star_metric(r: _Reader, t: Mapping[str, Any], path: str) -> StarMetric:
    goalposts = r.get(t, "goalposts", path)
    if (
        not isinstance(goalposts, list)
        or len(goalposts) != 2
        or not all(isinstance(g, int | float) for g in goalposts)
        or goalposts[0] == goalposts[1]
    ):
        raise r.fail(
            f"{path}.goalposts",
            "两个不同的数 [低, 高]",
            "two different numbers [low, high]",
            goalposts,
        )
    return StarMetric(
        metric=r.text(t, "metric", path),
        zh=r.text(t, "zh", path),
        en=r.text(t, "en", path),
        weight=r.number(t, "weight", path, minimum=0),
        low=float(goalposts[0]),
        high=float(goalposts[1]),
        direction=r.choice(t, "direction", path, DIRECTIONS, "positive"),
    )


def _stars(r: _Reader, t: Mapping[str, Any]) -> StarRules:
    levels = tuple(
        StarLevel(
            stars=int(r.number(lv, "stars", f"stars.levels[{i}]", minimum=1, maximum=5)),
            party_min=r.number(lv, "party_min", f"stars.levels[{i}]", minimum=0, maximum=100),
            business_min=r.number(lv, "business_min", f"stars.levels[{i}]", minimum=0, maximum=100),
        )
        for i, lv in enumerate(r.tables(t, "levels", "stars"))
    )
    all_round_raw = r.get(t, "all_round", "stars")
    all_round: dict[str, tuple[str, float]] = {}
    for metric, rule in all_round_raw.items():
        path = f"stars.all_round.{metric}"
        if (
            not isinstance(rule, list)
            or len(rule) != 2
            or rule[0] not in (">=", "<=")
            or isinstance(rule[1], bool)
            or not isinstance(rule[1], int | float)
        ):
            raise r.fail(path, '[">=" 或 "<=", 数值]', '[">=" or "<=", number]', rule)
        all_round[metric] = (rule[0], float(rule[1]))
    veto_types = r.get(t, "veto_event_types", "stars", [])
    if any(x not in EVENT_TYPES for x in veto_types):
        raise r.fail(
            "stars.veto_event_types",
            f"事件类型，取自 {', '.join(EVENT_TYPES)}",
            f"event types from {', '.join(EVENT_TYPES)}",
            veto_types,
        )
    return StarRules(
        party=tuple(
            _star_metric(r, m, f"stars.party[{i}]")
            for i, m in enumerate(r.tables(t, "party", "stars"))
        ),
        business=tuple(
            _star_metric(r, m, f"stars.business[{i}]")
            for i, m in enumerate(r.tables(t, "business", "stars"))
        ),
        levels=tuple(sorted(levels, key=lambda lv: -lv.stars)),
        veto_event_types=tuple(veto_types),
        veto_max_stars=int(r.number(t, "veto_max_stars", "stars", 0, minimum=0, maximum=5)),
        all_round=all_round,
    )
