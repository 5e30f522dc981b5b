"""Quarterly exam analytics (每季一考): marking, totals, item analysis, reliability."""

from assess.exams.analysis import (
    ALL,
    MULTIPLE_RULES,
    NAN_POLICIES,
    PLOT_KINDS,
    ExamResult,
    Reliability,
    analyse_exam,
    cronbach_alpha,
    exam_of_quarter,
    exam_totals,
    score_responses,
)

__all__ = [
    "ALL",
    "MULTIPLE_RULES",
    "NAN_POLICIES",
    "PLOT_KINDS",
    "ExamResult",
    "Reliability",
    "analyse_exam",
    "cronbach_alpha",
    "exam_of_quarter",
    "exam_totals",
    "score_responses",
]
