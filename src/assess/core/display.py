"""How result objects show themselves in JupyterLab: one HTML shape for every result.

Result classes inherit :class:`ResultDisplay` and implement ``to_frame()`` and
``summary()``; they get an escaped HTML repr (title, the bilingual summary, the table).
"""

from __future__ import annotations

import html

import pandas as pd

__all__ = ["ResultDisplay", "frame_html", "text_html"]

_MAX_ROWS = 30


def text_html(text: str) -> str:
    """Summary prose as HTML paragraphs, every character from data escaped."""
    paras = [p for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paras)


def frame_html(frame: pd.DataFrame, *, max_rows: int = _MAX_ROWS) -> str:
    """A DataFrame as an escaped HTML table, cut to ``max_rows`` rows with a note."""
    shown = frame.head(max_rows)
    table = shown.to_html(escape=True, border=0, float_format=lambda x: f"{x:,.4g}", na_rep="—")
    if len(frame) > max_rows:
        table += (
            f"<p><em>前 {max_rows} 行，共 {len(frame):,} 行 / first {max_rows} of "
            f"{len(frame):,} rows</em></p>"
        )
    return table


class ResultDisplay:
    """Mixin giving results a JupyterLab HTML repr built from ``summary()`` and ``to_frame()``.

    Subclasses set ``_title`` (``"中文 / English"``) and implement both methods.
    """

    _title: str = "结果 / Result"

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def summary(self) -> str:  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return (
            f"<div class='assess-result'><h4>{html.escape(self._title)}</h4>"
            f"{text_html(self.summary())}{frame_html(self.to_frame())}</div>"
        )
