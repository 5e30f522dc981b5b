"""The scoring scheme: a declarative TOML file that says how the Pioneer Index is built.

A scheme declares the base score, the add items (indicators with per-item and
per-quarter caps), the deduction items fed from events, the veto items (一票否决),
the normalisation, the weights (given, AHP, entropy, CRITIC or combined), the
aggregation, the grades with their quotas, the watch-list rule and the five-star branch
rules. :func:`load_scheme` checks the whole file first (:mod:`assess.core.scheme_checks`:
every key known, every rule the scoring relies on) and raises one :class:`SchemeError`
listing every problem, so nothing is scored from a scheme with a mistake;
:meth:`Scheme.summary` shows what a valid scheme says, to compare with the paper rules.

The package ships ``default_scheme.toml``, built from the source reports: an
illustration to adapt, not a standard.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from assess.core import formatting
from assess.core.checks import check_path
from assess.core.errors import SchemeError, bilingual
from assess.core.glossary import check_language, term
from assess.core.scheme_checks import check_document
from assess.core.scheme_reader import (
    AGGREGATIONS,
    NORMALISATIONS,
    STAR_METRICS,
    VETO_EFFECTS,
    WEIGHTINGS,
    judgment,
    scheme_error,
)

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
    "STAR_METRICS",
]


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

    def summary(self, language: str = "zh") -> str:
        """What the scheme says, table by table, to compare with the paper rules.

        Parameters
        ----------
        language : {"zh", "en", "zh-en"}, default "zh"
            Chinese, English, or the Chinese followed by the English.

        Returns
        -------
        str
            The base and ceiling, the method, every add item with its caps (and weight
            when weights are given), deductions, vetoes, grade quotas, the five-star rules,
            the exam rule and the watch-list rule.

        Examples
        --------
        >>> print(load_scheme().summary().splitlines()[0])
        评分方案：先锋指数（示例方案）
        >>> print(load_scheme().summary("en").splitlines()[0])
        Scoring scheme: Pioneer Index (illustrative scheme)
        """
        check_language("Scheme.summary", language)
        if language == "zh-en":
            return f"{_summary(self, 'zh')}\n\n{_summary(self, 'en')}"
        return _summary(self, language)


def default_scheme_path() -> Path:
    """Path of the scheme shipped with the package."""
    return Path(str(resources.files("assess") / "resources" / "default_scheme.toml"))


def load_scheme(path: str | os.PathLike[str] | None = None) -> Scheme:
    """Read and check a scoring scheme; ``None`` loads the shipped default.

    The whole file is checked before anything is built: every key must be one the
    scheme knows, every value of the right kind and range, and every rule the scoring
    relies on must hold (see :mod:`assess.core.scheme_checks`).

    Raises
    ------
    SchemeError
        The file cannot be read, or has problems; ``problems`` lists every one with the
        file, the TOML table, the key and the line, in Chinese and English.

    Examples
    --------
    >>> scheme = load_scheme()
    >>> scheme.base, scheme.weighting, len(scheme.indicators) > 0
    (60.0, 'combined', True)
    """
    file = check_path("load_scheme", "path", path) if path is not None else default_scheme_path()
    try:
        raw_bytes = file.read_bytes()
        text = raw_bytes.decode("utf-8")
        doc = tomllib.loads(text)
    except FileNotFoundError:
        raise SchemeError(
            bilingual(f"找不到评分方案文件 {file}", f"scheme file not found: {file}")
        ) from None
    except IsADirectoryError:
        raise SchemeError(
            bilingual(
                f"评分方案 {file} 是文件夹，应为 TOML 文件",
                f"scheme {file} is a folder, not a TOML file",
            )
        ) from None
    except PermissionError:
        raise SchemeError(
            bilingual(f"无权读取评分方案文件 {file}", f"no permission to read scheme file {file}")
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SchemeError(
            bilingual(
                f"评分方案 {file} 不是有效的 UTF-8 TOML：{exc}",
                f"scheme {file} is not valid UTF-8 TOML: {exc}",
            )
        ) from None
    problems = check_document(doc, file=str(file), text=text)
    if problems:
        raise scheme_error(str(file), problems)
    return _build(doc, source=str(file), sha256=hashlib.sha256(raw_bytes).hexdigest())


def _build(doc: Mapping[str, Any], *, source: str, sha256: str) -> Scheme:
    # The document has passed every check: each value is present and of its kind.
    head, grades, stars = doc["scheme"], doc["grades"], doc["stars"]
    weighting = head["weighting"]
    ahp = None
    if weighting in ("ahp", "combined"):
        ahp = tuple(tuple(float(judgment(v) or 0) for v in row) for row in doc["ahp"]["matrix"])
    return Scheme(
        name=head["name"].strip(),
        name_en=head["name_en"].strip(),
        base=float(head["base"]),
        ceiling=float(head["ceiling"]),
        normalisation=head["normalisation"],
        weighting=weighting,
        aggregation=head.get("aggregation", "arithmetic"),
        subjective_share=float(head.get("subjective_share", 0.5)),
        ahp_matrix=ahp,
        indicators=tuple(
            Indicator(
                code=t["code"].strip(),
                zh=t["zh"].strip(),
                en=t["en"].strip(),
                item_cap=float(t["item_cap"]),
                quarter_cap=float(t["quarter_cap"]),
                direction=t.get("direction", "positive"),
                weight=float(t["weight"]) if "weight" in t else None,
            )
            for t in doc["indicators"]
        ),
        deductions=tuple(
            Deduction(
                code=t["code"].strip(),
                zh=t["zh"].strip(),
                en=t["en"].strip(),
                event_type=t["event_type"],
                points={int(k): float(v) for k, v in sorted(t["points"].items())},
                quarter_cap=float(t["quarter_cap"]),
            )
            for t in doc.get("deductions", [])
        ),
        vetoes=tuple(
            Veto(
                code=t["code"].strip(),
                zh=t["zh"].strip(),
                en=t["en"].strip(),
                event_type=t["event_type"],
                min_severity=int(t.get("min_severity", 1)),
                effect=t["effect"],
                cap_grade=t.get("cap_grade"),
            )
            for t in doc.get("vetoes", [])
        ),
        grades=tuple(
            GradeLevel(
                name=t["name"].strip(),
                en=t["en"].strip(),
                max_share=_share(t, "max_share"),
                min_share=_share(t, "min_share"),
            )
            for t in grades["levels"]
        ),
        rounding=grades.get("rounding", "half-up"),
        quota_scope=grades.get("scope", "branch"),
        tie_policy=grades.get("tie_policy", "strict"),
        borderline=float(grades.get("borderline", 0.5)),
        watch=WatchRule(
            event_types=tuple(doc["watchlist"]["event_types"]),
            min_events=int(doc["watchlist"]["min_events"]),
            min_severity=int(doc["watchlist"]["min_severity"]),
        ),
        stars=StarRules(
            party=tuple(_star_metric(t) for t in stars["party"]),
            business=tuple(_star_metric(t) for t in stars["business"]),
            levels=tuple(
                sorted(
                    (
                        StarLevel(int(t["stars"]), float(t["party_min"]), float(t["business_min"]))
                        for t in stars["levels"]
                    ),
                    key=lambda lv: -lv.stars,
                )
            ),
            veto_event_types=tuple(stars.get("veto_event_types", [])),
            veto_max_stars=int(stars.get("veto_max_stars", 0)),
            all_round={m: (r[0], float(r[1])) for m, r in stars["all_round"].items()},
        ),
        exam=ExamRule(
            pass_mark=float(doc.get("exam", {}).get("pass_mark", 80.0)),
            eligible_posts=tuple(p.strip() for p in doc.get("exam", {}).get("eligible_posts", [])),
        ),
        source=source,
        sha256=sha256,
    )


def _share(t: Mapping[str, Any], key: str) -> str | None:
    # Kept as the file's text, so quotas are counted in exact decimal arithmetic.
    return str(t[key]).strip() if key in t else None


def _star_metric(t: Mapping[str, Any]) -> StarMetric:
    low, high = t["goalposts"]
    return StarMetric(
        metric=t["metric"],
        zh=t["zh"].strip(),
        en=t["en"].strip(),
        weight=float(t["weight"]),
        low=float(low),
        high=float(high),
        direction=t.get("direction", "positive"),
    )


def _num(x: float) -> str:
    # As the file writes it: 60, 0.5, 2.25 (half up, no trailing zeros).
    value = float(x)
    if value.is_integer():
        return formatting.number(int(value))
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return formatting.number(value, min(4, -int(exponent)))


def _pct(share: float | str) -> str:
    exponent = Decimal(str(share).strip()).normalize().as_tuple().exponent
    return formatting.percent(float(share), max(0, min(2, -int(exponent) - 2)))


def _summary(s: Scheme, language: str) -> str:
    zh = language == "zh"
    colon, comma, dot, items = ("：", "，", " · ", "；") if zh else (": ", ", ", " · ", "; ")
    listed = "、" if zh else ", "

    def t(key: str) -> str:
        return term(key, language)

    def paren(text: str) -> str:
        return f"（{text}）" if zh else f" ({text})"

    def own(zh_text: str, en_text: str) -> str:
        return zh_text if zh else en_text

    def events(types: tuple[str, ...]) -> str:
        return listed.join(t(f"event_{e}") for e in types)

    method = t(f"weighting_{s.weighting}")
    if s.weighting == "combined":
        method += paren(f"{t('subjective_share')} {_pct(s.subjective_share)}")
    if s.weighting != "given":
        method += comma + t("weights_from_data")
    lines = [
        f"{t('scheme')}{colon}{own(s.name, s.name_en)}",
        f"{t('scheme_file')}{colon}{s.source}{paren(f'SHA-256 {s.sha256[:12]}')}",
        dot.join(
            [
                f"{t('base')} {_num(s.base)}",
                f"{t('ceiling')} {_num(s.ceiling)}",
                f"{t('normalisation')}{colon}{t(f'method_{s.normalisation}')}",
                f"{t('weighting')}{colon}{method}",
                f"{t('aggregation')}{colon}{t(f'method_{s.aggregation}')}",
            ]
        ),
        "",
        f"{t('add_items')}{colon}",
    ]
    for ind in s.indicators:
        parts = [
            f"{t('item_cap')} {_num(ind.item_cap)}",
            f"{t('quarter_cap')} {_num(ind.quarter_cap)}",
        ]
        if ind.weight is not None:
            parts.append(f"{t('weight')} {_num(ind.weight)}")
        if ind.direction == "negative":
            parts.append(t("lower_is_better"))
        lines.append(f"  {ind.code} {own(ind.zh, ind.en)}{colon}{dot.join(parts)}")
    if s.deductions:
        lines += ["", f"{t('deduction_items')}{colon}"]
    for d in s.deductions:
        points = dot.join(f"{t(f'severity_{k}')} {_num(v)}" for k, v in sorted(d.points.items()))
        lines.append(
            f"  {d.code} {own(d.zh, d.en)}{paren(t(f'event_{d.event_type}'))}{colon}{points}"
            f"{dot}{t('quarter_cap')} {_num(d.quarter_cap)}"
        )
    if s.vetoes:
        lines += ["", f"{t('vetoes')}{colon}"]
    grade_names = {g.name: own(g.name, g.en) for g in s.grades}
    for v in s.vetoes:
        effect = {
            "zero": t("veto_zero"),
            "exclude-top": t("veto_exclude_top"),
            "cap": f"{t('veto_cap')} {grade_names.get(v.cap_grade or '', '')}",
        }[v.effect]
        when = f"{t(f'event_{v.event_type}')}{comma}{t('severity_at_least')} "
        when += t(f"severity_{v.min_severity}")
        lines.append(f"  {v.code} {own(v.zh, v.en)}{paren(when)}{colon}{effect}")
    how = listed.join(
        [
            t(f"scope_{s.quota_scope}"),
            t(f"rounding_{s.rounding}"),
            t(f"tie_{s.tie_policy}"),
            f"{t('borderline_margin')} {_num(s.borderline)}",
        ]
    )
    lines += ["", f"{t('grade_quotas')}{paren(how)}{colon}"]
    for k, g in enumerate(s.grades):
        parts = [] if g.max_share is None else [f"≤ {_pct(g.max_share)}"]
        if g.min_share is not None and Decimal(g.min_share) > 0:
            parts.append(f"≥ {_pct(g.min_share)}")
        if k == len(s.grades) - 1:
            parts.append(t("takes_the_rest"))
        lines.append(f"  {own(g.name, g.en)}" + (f"{colon}{dot.join(parts)}" if parts else ""))
    st = s.stars
    lines += ["", f"{t('star_rules')}{colon}"]
    for key, metrics in (("party_sub_score", st.party), ("business_sub_score", st.business)):
        lines.append(f"  {t(key)}{colon}")
        lines += [
            f"    {m.metric} {own(m.zh, m.en)}{colon}{t('weight')} {_pct(m.weight)}{dot}"
            f"{t('goalposts')} {_num(m.low)} → {_num(m.high)}"
            for m in metrics
        ]
    levels = items.join(
        f"{t(f'stars_{lv.stars}')} {t('party_short')} ≥ {_num(lv.party_min)}{comma}"
        f"{t('business_short')} ≥ {_num(lv.business_min)}"
        for lv in st.levels
    )
    lines.append(f"  {t('star_thresholds')}{colon}{levels}")
    if st.veto_event_types:
        lines.append(
            f"  {t('vetoes')}{colon}{events(st.veto_event_types)} → {t('star_veto')} "
            f"{t(f'stars_{st.veto_max_stars}')}"
        )
    if st.all_round:
        signs = {">=": "≥", "<=": "≤"}
        rules = listed.join(f"{m} {signs[op]} {_num(v)}" for m, (op, v) in st.all_round.items())
        lines.append(f"  {t('all_round')}{colon}{t('all_round_rule')} {rules}")
    posts = listed.join(s.exam.eligible_posts) or t("every_member")
    w = s.watch
    lines += [
        "",
        f"{t('exam_rule')}{colon}{t('pass_mark')} {_num(s.exam.pass_mark)}{dot}"
        f"{t('eligible_posts')}{colon}{posts}",
        f"{t('watch_rule')}{colon}{events(w.event_types)}{comma}{t('events_at_least')} "
        f"{formatting.number(w.min_events)}{comma}{t('or_one_event')} "
        f"{t('severity_at_least')} {t(f'severity_{w.min_severity}')}",
    ]
    return "\n".join(line.rstrip() for line in lines)
