"""The package's exception hierarchy and the one shape of every error message.

Every message a user can see is bilingual: Simplified Chinese first, English second,
joined by `` / `` on one line (or on two lines for long data-problem tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "AssessError",
    "InputError",
    "DataValidationError",
    "StoreError",
    "StoreConflictError",
    "SchemeError",
    "SchemeProblem",
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


@dataclass(frozen=True)
class SchemeProblem:
    """One problem of a scoring scheme file: where it is and what is wrong.

    ``file`` is the scheme's path (shown by its name), ``table`` the TOML table as shown
    to the reader (``[grades.levels.优秀]``: an element of an array of tables named by
    its code or name; ``""`` for the top level), ``line`` the 1-based line of the key (or
    of its table when the key is missing), or ``None`` when the file text does not show it.

    Examples
    --------
    >>> p = SchemeProblem("s.toml", "[scheme]", "base", 3, "应为数值", "must be a number")
    >>> str(p)
    's.toml 第 3 行 [scheme] base：应为数值 / s.toml line 3 [scheme] base: must be a number'
    """

    file: str
    table: str
    key: str
    line: int | None
    zh: str
    en: str

    def text(self, language: str) -> str:
        """The problem in Chinese (``"zh"``) or English (``"en"``), led by its place."""
        place = [Path(self.file).name]
        if self.line is not None:
            place.append(f"第 {self.line} 行" if language == "zh" else f"line {self.line}")
        place.append(self.table or ("顶层" if language == "zh" else "top level"))
        if self.key:
            place.append(self.key)
        if language == "zh":
            return f"{' '.join(place)}：{self.zh}"
        return f"{' '.join(place)}: {self.en}"

    def __str__(self) -> str:
        return bilingual(self.text("zh"), self.text("en"))


class SchemeError(AssessError):
    """A scoring scheme file is malformed; the message names the key and what is allowed.

    ``problems`` lists every :class:`SchemeProblem` found (empty when the file could not
    be read at all).
    """

    def __init__(self, message: str, problems: Sequence[SchemeProblem] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(message)


class ParameterError(AssessError, ValueError):
    """A public function was called with a value it does not accept.

    The message names the function, the parameter, what is accepted and what was given.
    """

    def __init__(self, func: str, name: str, accepted: str, got: Any, *, zh: str = "") -> None:
        self.func, self.name, self.accepted, self.got = func, name, accepted, got
        zh_text = zh or f"{func}：参数 {name!r} 应为 {accepted}，实际为 {got!r}"
        en_text = f"{func}: parameter {name!r} must be {accepted}; got {got!r}"
        super().__init__(bilingual(zh_text, en_text))
