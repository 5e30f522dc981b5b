"""Text that was garbled by a wrong encoding before it reached us: mojibake, �, ``??``.

A file decoded with the wrong encoding and saved again reads without error, so the
readers cannot tell; the text itself shows it. Each text value is checked for

* UTF-8 read as Latin-1/Windows-1252 (``省公司`` → ``çœ\\x81å…¬å\\x8f¸``): ftfy
  (``fix_encoding``) undoes the wrong decoding, and the hint names the text it was;
* the replacement character ``�`` (bytes a program could not decode) and ``??``
  (characters an encoder could not write);
* control and private-use characters, which no typed text holds.
"""

from __future__ import annotations

import re

import ftfy
import pandas as pd

from assess.core.schema import TABLES
from assess.io.validation.cells import _Checked
from assess.io.validation.report import _rows

# Latin-1 letters and the Windows-1252 signs that UTF-8 lead and trail bytes turn into.
_SUSPECT = re.compile(
    r"[\x80-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    r"\u2013-\u203a\u20ac\u2122]"
)
_BROKEN = re.compile(r"\ufffd|\?\?|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|[\ue000-\uf8ff]")
_PRINTABLE_OR_PAIR = r"[^\x20-\x7e]|\?\?"
_CJK = re.compile(r"[\u3400-\u9fff]")


def _repaired(value: str) -> str:
    """The text ``value`` was before UTF-8 was read as Latin-1/Windows-1252; "" if not that.

    ftfy undoes the wrong decoding; only a repair that yields Chinese counts, so a Latin
    name such as "Müller" is never "repaired".
    """
    if not _SUSPECT.search(value):
        return ""
    text = ftfy.fix_encoding(value)
    return text if text != value and _CJK.search(text) else ""


def _garbled(checked: _Checked) -> list[pd.DataFrame | None]:
    """Problems for text values garbled by a wrong encoding, one per cell."""
    frames: list[pd.DataFrame | None] = []
    for col in TABLES[checked.raw.name].columns:
        if col.kind != "text" or not checked.usable(col.name):
            continue
        text = checked.raw.frame[col.name]
        # Only values with a character outside printable ASCII, or "??", can be garbled:
        # one vectorised pass, so millions of ASCII codes cost a fraction of a second.
        suspect = text.str.contains(_PRINTABLE_OR_PAIR, regex=True).fillna(False)
        if not suspect.any():
            continue
        values = text[suspect.to_numpy(dtype=bool)]
        uniques = pd.unique(values)
        fixes = {v: fixed for v in uniques if (fixed := _repaired(v))}
        original = values.map(fixes).reindex(text.index).astype("str")
        mojibake = original.notna().to_numpy()
        broken = {v for v in uniques if _BROKEN.search(v)}
        damaged = text.isin(broken).to_numpy() & ~mojibake
        where = {"column": col.name, "header": checked.header(col.name), "value": text}
        fix = (
            "用正确的编码重新导出原始文件（Excel：另存为“CSV UTF-8”）",
            "export the original file again with the right encoding (Excel: 'CSV UTF-8')",
        )
        frames.append(
            _rows(
                checked.raw,
                mojibake,
                rule="garbled_text",
                **where,
                expected=("正确解码的中文", "Chinese text decoded correctly"),
                message=(
                    "乱码：UTF-8 文本被当作 Latin-1 读取后又保存",
                    "mojibake: UTF-8 text read as Latin-1 and saved again",
                ),
                hint=(
                    "原文应为“" + original + "”；" + fix[0],
                    "it was " + original + "; " + fix[1],
                ),
            )
        )
        frames.append(
            _rows(
                checked.raw,
                damaged,
                rule="garbled_text",
                **where,
                expected=("正确解码的中文", "Chinese text decoded correctly"),
                message=(
                    "含替换符 �、?? 或控制字符：文件曾按错误的编码读取或保存",
                    "holds �, ?? or control characters: the file was read or saved "
                    "in the wrong encoding",
                ),
                hint=fix,
            )
        )
    return frames
