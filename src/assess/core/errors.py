"""The package's exception hierarchy and the one shape of every error message.

Every message a user can see is bilingual: Simplified Chinese first, English second,
joined by `` / `` on one line (or on two lines for long data-problem tables).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AssessError",
    "InputError",
    "DataValidationError",
    "StoreError",
    "StoreConflictError",
    "SchemeError",
    "ParameterError",
    "bilingual",
]


def bilingual(zh: str, en: str) -> str:
    """Join a Chinese and an English message the way every message in `assess` is shown.

    Examples
    --------
    >>> bilingual("缺少列", "missing column")
    '缺少列 / missing column'
    """
    return f"{zh} / {en}"


class AssessError(Exception):
    """Base class of every error `assess` raises on purpose.

    The command line prints these without a traceback and exits with code 1.
    """


class InputError(AssessError):
    """An input file or folder cannot be found, opened or read."""


class DataValidationError(AssessError):
    """Input tables break the data contract; ``report`` lists every problem found."""

    def __init__(self, report: Any) -> None:
        self.report = report
        super().__init__(str(report))


class StoreError(AssessError):
    """The embedded store cannot be opened, or is not an `assess` store."""


class StoreConflictError(StoreError):
    """An import would change data already in the store without ``replace=True``."""


class SchemeError(AssessError):
    """A scoring scheme file is malformed; the message names the key and what is allowed."""


class ParameterError(AssessError, ValueError):
    """A public function was called with a value it does not accept.

    The message names the function, the parameter, what is accepted and what was given.
    """

    def __init__(self, func: str, name: str, accepted: str, got: Any, *, zh: str = "") -> None:
        self.func, self.name, self.accepted, self.got = func, name, accepted, got
        zh_text = zh or f"{func}：参数 {name!r} 应为 {accepted}，实际为 {got!r}"
        en_text = f"{func}: parameter {name!r} must be {accepted}; got {got!r}"
        super().__init__(bilingual(zh_text, en_text))
