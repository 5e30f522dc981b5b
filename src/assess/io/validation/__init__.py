"""Validation of input tables against the data contract, every problem collected at once."""

from assess.io.validation.report import (
    PROBLEM_COLUMNS,
    RULES,
    ValidationReport,
    ValidationResult,
    check_inputs,
    load_inputs,
    validate,
)

__all__ = [
    "RULES",
    "PROBLEM_COLUMNS",
    "ValidationReport",
    "ValidationResult",
    "validate",
    "check_inputs",
    "load_inputs",
]
