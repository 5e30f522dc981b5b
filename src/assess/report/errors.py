"""The errors of the report runner, all :class:`~assess.core.errors.AssessError` subclasses.

Each takes one bilingual message, so an error raised in a report's child process
crosses back to the parent (or from a Dask worker) unchanged.
"""

from __future__ import annotations

from assess.core.errors import AssessError

__all__ = [
    "ReportError",
    "TemplateError",
    "ReportParameterError",
    "ReportExecutionError",
    "ExportError",
]


class ReportError(AssessError):
    """Base class of every error of :mod:`assess.report`."""


class TemplateError(ReportError):
    """A notebook template breaks the template contract (its author must fix it)."""


class ReportParameterError(ReportError, ValueError):
    """A report parameter is unknown, or its value does not fit the declared type."""


class ReportExecutionError(ReportError):
    """A report failed while running: a cell raised, or wrote to stderr, or the child died.

    The executed notebook, with the error, is saved beside the outputs when it exists.
    """


class ExportError(ReportError):
    """An output format cannot be produced (e.g. PDF without a Chromium browser)."""
