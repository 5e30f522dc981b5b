"""Validation of input tables against the data contract, every problem collected at once.

Rule families live in their own modules (:mod:`~assess.io.validation.cells`,
:mod:`~assess.io.validation.keys`, :mod:`~assess.io.validation.tree`,
:mod:`~assess.io.validation.periods`, :mod:`~assess.io.validation.order`,
:mod:`~assess.io.validation.text`); :mod:`~assess.io.validation.run` runs them all
and :mod:`~assess.io.validation.report` holds what they found;
:func:`code_length_notes` compares unit codes with earlier imports, for the store.
"""

from assess.io.validation.codes import code_length_notes
from assess.io.validation.report import (
    PROBLEM_COLUMNS,
    RULES,
    ValidationReport,
    ValidationResult,
)
from assess.io.validation.run import check_inputs, load_inputs, validate

__all__ = [
    "RULES",
    "PROBLEM_COLUMNS",
    "ValidationReport",
    "ValidationResult",
    "validate",
    "check_inputs",
    "load_inputs",
    "code_length_notes",
]
