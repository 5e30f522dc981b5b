"""Chinese-capable matplotlib charts on a fresh machine, with no missing-glyph boxes.

The Noto Sans CJK font ships inside the ``noto-cjk-sans-otc`` wheel (SIL Open Font
License); :func:`use_cjk_font` registers it with matplotlib's font manager at run time —
the matplotlib installation is never modified.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.axes import Axes

__all__ = ["CJK_FAMILY", "use_cjk_font", "new_axes"]

#: The face of the Noto Sans CJK collection with Simplified-Chinese glyph shapes.
CJK_FAMILY = "Noto Sans CJK SC"


def use_cjk_font() -> str:
    """Register the bundled CJK font and make it matplotlib's first sans-serif choice.

    Idempotent. It changes ``font.sans-serif``, ``font.family`` and ``axes.unicode_minus``
    in ``matplotlib.rcParams`` because tick labels are created at draw time from the
    rcParams then in force, so a per-figure setting cannot cover them.

    Returns
    -------
    str
        The font family name now in use.

    Examples
    --------
    >>> use_cjk_font()
    'Noto Sans CJK SC'
    """
    if not any(f.name == CJK_FAMILY for f in font_manager.fontManager.ttflist):
        from noto_cjk_sans_otc import FONT_PATH

        font_manager.fontManager.addfont(str(FONT_PATH))
    sans = [CJK_FAMILY] + [f for f in mpl.rcParams["font.sans-serif"] if f != CJK_FAMILY]
    mpl.rcParams["font.sans-serif"] = sans
    mpl.rcParams["font.family"] = ["sans-serif"]
    # The CJK font has no U+2212 minus sign; use the ASCII hyphen-minus instead.
    mpl.rcParams["axes.unicode_minus"] = False
    return CJK_FAMILY


def new_axes(ax: Axes | None = None, *, figsize: tuple[float, float] = (7.0, 4.0)) -> Axes:
    """Return ``ax``, or the axes of a new figure, with the CJK font in use."""
    use_cjk_font()
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new
