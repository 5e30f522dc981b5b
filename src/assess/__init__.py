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
    "Dataset": "dataset",
    "TABLES": "schema",
    "parse_date": "periods",
    "parse_month": "periods",
    "parse_quarter": "periods",
    "shift_quarter": "periods",
    "read_inputs": "readers",
    "check_inputs": "validation",
    "load_inputs": "validation",
    "validate": "validation",
    "ValidationReport": "validation",
    "ValidationResult": "validation",
    "Store": "store",
    "ImportSummary": "store",
    "read_store": "store",
    "DEFAULT_STORE": "store",
    "generate_demo": "demo",
    "unit_paths": "units",
    "units_under": "units",
    "use_cjk_font": "plotting",
    "AssessError": "errors",
    "DataValidationError": "errors",
    "ParameterError": "errors",
    # appraisal
    "Scheme": "scheme",
    "load_scheme": "scheme",
    "score_quarter": "scoring",
    "Appraisal": "scoring",
    "normalise": "normalise",
    "aggregate": "normalise",
    "ahp_weights": "weights",
    "ahp_group": "weights",
    "entropy_weights": "weights",
    "critic_weights": "weights",
    "combine_weights": "weights",
    "given_weights": "weights",
    "random_index": "weights",
    "rank": "ranking",
    "assign_grades": "grading",
    "Quota": "grading",
    "quota_count": "grading",
    "compare_periods": "change",
    "format_change": "change",
    "average_growth": "change",
    "rank_robustness": "robustness",
    "rate_branches": "stars",
    "watch_list": "watchlist",
    # exams and tracking
    "analyse_exam": "exam",
    "exam_of_quarter": "exam",
    "cronbach_alpha": "exam",
    "rag_status": "tracking",
    "track_projects": "projects",
    "track_problems": "problems",
    "track_duties": "duties",
    # effect analysis
    "rate_ratio_test": "effect.rates",
    "write_verdict": "effect.verdict",
    "adjust_pvalues": "effect.multiplicity",
    "member_rates": "effect.members",
    "shrink_rates": "effect.shrinkage",
    "shrink_rate_ratios": "effect.shrinkage",
    "funnel": "effect.shrinkage",
    "analyse_effect": "effect.engine",
    "analyse_campaign": "effect.campaign",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name == "generate_demo":
        return importlib.import_module(".demo", __name__).generate
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assess' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
