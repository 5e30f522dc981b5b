"""A Chinese web font embedded in each page, cut down to the characters the page uses.

Reports are read on machines with Chinese fonts (Microsoft YaHei, PingFang), but they are
also printed to PDF and opened on servers that have none, where every character would
be a box. Each page therefore carries, as a ``data:`` URI, the glyphs it uses of
Noto Sans CJK SC (SIL Open Font License, from the ``noto-cjk-sans-otc`` wheel) —
typically 15–40 KB.

Cutting from the 19 MB font collection takes about a second, so a *base* font with the
6,763 characters of GB 2312, Latin, Greek, punctuation and common symbols (about 1.5 MB)
is cut once per machine and cached in the user's cache folder; each page is then cut from
it in about a tenth of a second. Characters outside the base (rare characters of names
beyond GB 2312) are left to the reader's own fonts, which every Chinese system has.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import os
from pathlib import Path

from assess.core.plotting import CJK_FAMILY
from assess.report._files import atomic_write

__all__ = ["font_face_css", "base_font_path"]

_FACE = 2  # Noto Sans CJK SC in the collection
_DROP = ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
# Latin, Greek, punctuation, letter-like symbols, number forms, arrows, maths, enclosed
# numbers, box drawing, shapes, misc symbols, CJK punctuation, full-width forms.
_RANGES = (
    (0x20, 0x24F),
    (0x370, 0x3FF),
    (0x2000, 0x206F),
    (0x2100, 0x21FF),
    (0x2200, 0x22FF),
    (0x2460, 0x24FF),
    (0x2500, 0x26FF),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
)
_ASCII = frozenset(chr(c) for c in range(0x20, 0x7F))
_SYMBOLS = "，。、；：？！“”‘’（）《》〈〉【】「」—…·￥％‰±×÷≥≤≠≈→←↑↓▲▼△▽●○■□◆★☆√°℃№"


def _base_text() -> str:
    chars = set(_SYMBOLS)
    for first, last in _RANGES:
        chars |= {chr(c) for c in range(first, last + 1)}
    for first in range(0xB0, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                chars.add(bytes((first, second)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(sorted(chars))


def _options(*, base: bool) -> object:
    from fontTools import subset

    options = subset.Options()
    # Chinese text needs no OpenType layout features; without them a cut is 5× faster.
    options.layout_features = []
    options.drop_tables += _DROP
    options.notdef_outline = True
    # The base drops hints and subroutines once; a page's cut from it then need not.
    options.hinting = not base
    options.desubroutinize = base
    return options


def _cut(source: str | io.BytesIO, text: str, *, base: bool, flavor: str | None = None) -> bytes:
    """Cut the base from the full collection (``base=True``) or a page's font from the base."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(
        source, fontNumber=_FACE if base else -1, recalcBBoxes=False, recalcTimestamp=False
    )
    subsetter = subset.Subsetter(_options(base=base))
    subsetter.populate(text=text)
    subsetter.subset(font)
    font.flavor = flavor
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _full_font() -> str:
    from noto_cjk_sans_otc import FONT_PATH

    return str(FONT_PATH)


def base_font_path() -> Path:
    """The cached base font, cut on first use (a few seconds, once per machine)."""
    full = Path(_full_font())
    key = hashlib.sha256(f"{full.stat().st_size}:{_base_text()}:{_DROP}".encode()).hexdigest()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "assess"
    path = cache / f"noto-sans-sc-base-{key[:16]}.otf"
    if not path.is_file():
        atomic_write(path, _cut(str(full), _base_text(), base=True))
    return path


@functools.cache
def _base() -> tuple[bytes, frozenset[str]]:
    try:
        data = base_font_path().read_bytes()
    except OSError:  # no writable cache folder: cut in memory for this process
        data = _cut(_full_font(), _base_text(), base=True)
    return data, frozenset(_base_text())


def font_face_css(text: str) -> str:
    """An ``@font-face`` rule embedding the glyphs of ``text`` as a WOFF ``data:`` URI.

    Examples
    --------
    >>> css = font_face_css("党建工作")
    >>> css.startswith('@font-face { font-family: "Noto Sans CJK SC"')
    True
    """
    data, covered = _base()
    # All of ASCII always: the generation-time line must not change the cut.
    wanted = (set(text) | _ASCII) & covered
    woff = _cut(io.BytesIO(data), "".join(sorted(wanted)), base=False, flavor="woff")
    uri = base64.b64encode(woff).decode("ascii")
    return (
        f'@font-face {{ font-family: "{CJK_FAMILY}"; font-style: normal; '
        f"font-weight: normal; font-display: block; "
        f'src: url(data:font/woff;base64,{uri}) format("woff"); }}'
    )
