"""Quarterly exam analytics (每季一考): marking, totals, item analysis, reliability."""

from assess.exams.analysis import PLOT_KINDS, ExamResult, analyse_exam, exam_of_quarter
from assess.exams.items import (
    GROUP_FRACTION,
    WEAK_DIFFICULTY_HIGH,
    WEAK_DIFFICULTY_LOW,
    WEAK_R_DROP,
)
from assess.exams.marking import MULTIPLE_RULES, exam_totals, score_responses
from assess.exams.reliability import NAN_POLICIES, Reliability, cronbach_alpha
from assess.exams.sections import ALL

__all__ = [
    "ALL",
    "GROUP_FRACTION",
    "MULTIPLE_RULES",
    "NAN_POLICIES",
    "PLOT_KINDS",
    "WEAK_DIFFICULTY_HIGH",
    "WEAK_DIFFICULTY_LOW",
    "WEAK_R_DROP",
    "ExamResult",
    "Reliability",
    "analyse_exam",
    "cronbach_alpha",
    "exam_of_quarter",
    "exam_totals",
    "score_responses",
]
