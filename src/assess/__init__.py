"""assess — quarterly party-building appraisal and honest effect analysis.

Submodules are imported on first use (PEP 562), so ``import assess`` and the command
line start fast; ``assess.score_quarter`` and the rest behave as ordinary attributes.

Examples
--------
>>> import assess
>>> assess.parse_quarter("2026年第3季度")
'2026Q3'
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any

__version__ = importlib.metadata.version("assess")

# Public name → module that defines it.
_EXPORTS: dict[str, str] = {
    # foundation
    "Dataset": "core.dataset",
    "TABLES": "core.schema",
    "parse_date": "core.periods",
    "parse_month": "core.periods",
    "parse_quarter": "core.periods",
    "shift_quarter": "core.periods",
    "read_inputs": "io.readers",
    "check_inputs": "io.validation.run",
    "load_inputs": "io.validation.run",
    "validate": "io.validation.run",
    "ValidationReport": "io.validation.report",
    "ValidationResult": "io.validation.report",
    "Store": "io.store",
    "ImportSummary": "io.store",
    "read_store": "io.store",
    "DEFAULT_STORE": "io.store",
    "generate_demo": "io.demo",
    "unit_paths": "core.units",
    "units_under": "core.units",
    "use_cjk_font": "core.plotting",
    "AssessError": "core.errors",
    "DataValidationError": "core.errors",
    "ParameterError": "core.errors",
    # appraisal
    "Scheme": "core.scheme",
    "load_scheme": "core.scheme",
    "score_quarter": "appraisal.scoring",
    "Appraisal": "appraisal.scoring",
    "normalise": "appraisal.normalise",
    "aggregate": "appraisal.normalise",
    "ahp_weights": "appraisal.ahp",
    "ahp_group": "appraisal.ahp",
    "entropy_weights": "appraisal.weights",
    "critic_weights": "appraisal.weights",
    "combine_weights": "appraisal.weights",
    "given_weights": "appraisal.weights",
    "random_index": "appraisal.ahp",
    "rank": "appraisal.ranking",
    "assign_grades": "appraisal.grading",
    "Quota": "appraisal.grading",
    "quota_count": "appraisal.grading",
    "compare_periods": "appraisal.change",
    "format_change": "appraisal.change",
    "average_growth": "appraisal.change",
    "rank_robustness": "appraisal.robustness",
    "rate_branches": "appraisal.stars",
    "watch_list": "appraisal.watchlist",
    # exams and tracking
    "analyse_exam": "exams.analysis",
    "exam_of_quarter": "exams.analysis",
    "cronbach_alpha": "exams.reliability",
    "rag_status": "tracking.status",
    "track_projects": "tracking.projects",
    "track_problems": "tracking.problems",
    "track_duties": "tracking.duties",
    # effect analysis
    "rate_ratio_test": "effect.rates",
    "write_verdict": "effect.verdict",
    "adjust_pvalues": "effect.multiplicity",
    "member_rates": "effect.members",
    "shrink_rates": "effect.shrinkage",
    "shrink_rate_ratios": "effect.changes",
    "funnel": "effect.shrinkage",
    "analyse_effect": "effect.engine",
    "analyse_campaign": "effect.campaign",
    "plan_campaign": "effect.plan",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name == "generate_demo":
        return importlib.import_module(".io.demo", __name__).generate
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assess' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
