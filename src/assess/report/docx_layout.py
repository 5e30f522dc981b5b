"""The layout of Word reports after GB/T 9704-2012 (党政机关公文格式): page, fonts, page
numbers and tables.

- Page: A4 (210 mm × 297 mm, 11906 × 16838 twips); margins top 37 mm, bottom 35 mm,
  left 28 mm, right 26 mm (text area 156 mm × 225 mm).
- Type: title 2号 (22 pt) 方正小标宋简体, centred; body 3号 (16 pt) 仿宋_GB2312 with a
  two-character first-line indent at a fixed 28.95 pt line (22 lines a page);
  headings 3号 by level: 黑体 (一、), 楷体_GB2312 (（一）), 仿宋_GB2312 bold, 仿宋_GB2312.
  Tables 五号 (10.5 pt), table captions 4号 (14 pt) bold. Everything black: the blue
  theme colours and theme fonts of Word's default styles are removed.
- Page numbers: 4号 (14 pt) 宋体 Arabic numerals between dashes, "— 1 —", a ``PAGE``
  field; on odd pages at the right, on even pages at the left, one character in.
- Tables: the header rows repeat on every page (``w:tblHeader``); column widths follow
  the text of each column (a CJK character counts as two Latin ones) within the text
  width; numeric cells are right-aligned.

Fonts. Word keeps one font name per script slot, so each style names its Chinese font
in the East-Asian slot (``w:eastAsia`` of ``w:rFonts``, which python-docx does not set
by itself) by the name GB/T 9704 offices install — 方正小标宋简体, 仿宋_GB2312,
黑体, 楷体_GB2312 — and Latin text and digits in Times New Roman. No font is embedded.
On a machine without these fonts Word and LibreOffice substitute another Chinese font;
for a freely licensed look-alike install (all SIL Open Font License 1.1):

- Noto Serif CJK SC (for 小标宋 and 仿宋) and Noto Sans CJK SC (for 黑体):
  Debian/Ubuntu ``apt-get install fonts-noto-cjk``; or from github.com/notofonts/noto-cjk.
- LXGW WenKai 霞鹜文楷 (for 楷体): Debian/Ubuntu ``apt-get install fonts-lxgw-wenkai``;
  or from github.com/lxgw/LxgwWenKai. (Neither family has a maintained PyPI package.)

and map the official names onto them, e.g. with fontconfig (``~/.config/fontconfig/
fonts.conf``)::

    <alias><family>仿宋_GB2312</family><prefer><family>Noto Serif CJK SC</family></prefer>
    </alias>
    <alias><family>楷体_GB2312</family><prefer><family>LXGW WenKai</family></prefer></alias>
    <alias><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
    <alias><family>方正小标宋简体</family><prefer><family>Noto Serif CJK SC</family></prefer>
    </alias>

(On Windows, 仿宋, 楷体 and 黑体 come with the system.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph

__all__ = [
    "FONTS",
    "PAGE_TWIPS",
    "MARGINS_MM",
    "set_page",
    "set_styles",
    "set_page_numbers",
    "set_run_font",
    "column_widths",
    "fix_table",
    "is_number",
    "text_width_twips",
]

#: The Chinese font of each role, by the names GB/T 9704 documents use.
FONTS: dict[str, str] = {
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "heading1": "黑体",
    "heading2": "楷体_GB2312",
    "page_number": "宋体",
}
_LATIN = "Times New Roman"
#: A4 in twips (width, height).
PAGE_TWIPS = (11906, 16838)
#: Margins in millimetres: top, bottom, left, right.
MARGINS_MM = (37.0, 35.0, 28.0, 26.0)
_BODY_PT, _TITLE_PT, _PAGE_NUMBER_PT, _TABLE_PT, _CAPTION_PT = 16, 22, 14, 10.5, 14
_LINE_PT = 28.95  # 22 lines in the 225 mm text height
# Cell margins left and right of a cell's text (0.1 cm each), in twips, and what a
# column needs besides its text (the margins, the borders, rounding).
_CELL_MARGIN = 57
_CELL_PADDING = 2 * _CELL_MARGIN + 30
# Text that does not break across lines: a run of Latin letters and digits.
_LATIN_WORD = re.compile(r"[^\s\u2e80-\uffff]+")
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _twips(mm: float) -> Twips:
    return Twips(round(mm * 1440 / 25.4))


def set_page(doc: DocumentType) -> None:
    """A4 with the GB/T 9704 margins on every section of ``doc``."""
    top, bottom, left, right = MARGINS_MM
    for section in doc.sections:
        section.page_width, section.page_height = Twips(PAGE_TWIPS[0]), Twips(PAGE_TWIPS[1])
        section.top_margin, section.bottom_margin = _twips(top), _twips(bottom)
        section.left_margin, section.right_margin = _twips(left), _twips(right)
        section.header_distance, section.footer_distance = _twips(15), _twips(20)


def text_width_twips(doc: DocumentType) -> int:
    """The width between the margins of the first section, in twips."""
    section = doc.sections[0]
    width = section.page_width - section.left_margin - section.right_margin  # type: ignore[operator]
    return round(width / 635)  # 635 EMU a twip


def _fonts(rpr: object, east_asia: str, latin: str = _LATIN) -> None:
    fonts = rpr.get_or_add_rFonts()  # type: ignore[attr-defined]
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def set_run_font(run: object, east_asia: str, size_pt: float | None = None) -> None:
    """Name ``east_asia`` (and Times New Roman for Latin text) on one run."""
    _fonts(run._element.get_or_add_rPr(), east_asia)  # type: ignore[attr-defined]
    if size_pt is not None:
        run.font.size = Pt(size_pt)  # type: ignore[attr-defined]


def _style(
    style: BaseStyle,
    east_asia: str,
    size: float,
    *,
    bold: bool = False,
    centred: bool = False,
    indent: bool = True,
    before: float = 0,
    after: float = 0,
    exact_line: bool = True,
) -> None:
    _fonts(style.element.get_or_add_rPr(), east_asia)
    font = style.font  # type: ignore[attr-defined]
    font.size, font.bold, font.italic = Pt(size), bold, False
    font.color.rgb = RGBColor(0, 0, 0)
    pf = style.paragraph_format  # type: ignore[attr-defined]
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.first_line_indent = Pt(2 * _BODY_PT) if indent else Pt(0)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if exact_line:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(_LINE_PT)
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):  # the Title's blue rule
        ppr.remove(border)


def _black_everywhere(doc: DocumentType) -> None:
    """No theme colour or theme font left in any style or the document defaults."""
    root = doc.styles.element
    for color in root.iter(qn("w:color")):
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(attr), None)
        color.set(qn("w:val"), "000000")
    for fonts in root.iter(qn("w:rFonts")):
        if any(qn(a) in fonts.attrib for a in _THEME_ATTRS):
            for attr in _THEME_ATTRS:
                fonts.attrib.pop(qn(attr), None)
            for attr in ("w:ascii", "w:hAnsi", "w:cs"):
                fonts.set(qn(attr), _LATIN)
            fonts.set(qn("w:eastAsia"), FONTS["body"])
    defaults = root.find(qn("w:docDefaults"))
    if defaults is not None:
        for lang in defaults.iter(qn("w:lang")):
            lang.set(qn("w:eastAsia"), "zh-CN")


def set_styles(doc: DocumentType) -> None:
    """The GB/T 9704 fonts, sizes and spacing on the styles a report uses (see the module
    docstring); every style black."""
    _black_everywhere(doc)
    styles = doc.styles
    _style(styles["Normal"], FONTS["body"], _BODY_PT)
    _style(styles["Title"], FONTS["title"], _TITLE_PT, centred=True, indent=False, after=_LINE_PT)
    _style(styles["Heading 1"], FONTS["heading1"], _BODY_PT)
    _style(styles["Heading 2"], FONTS["heading2"], _BODY_PT)
    _style(styles["Heading 3"], FONTS["body"], _BODY_PT, bold=True)
    _style(styles["Heading 4"], FONTS["body"], _BODY_PT)
    caption = styles["Caption"]
    _style(caption, FONTS["heading1"], _CAPTION_PT, centred=True, indent=False, before=6, after=3)
    caption.paragraph_format.keep_with_next = True
    for name in ("List Bullet", "List Number"):
        _style(styles[name], FONTS["body"], _BODY_PT, indent=False)
    for name in ("Header", "Footer"):
        _style(styles[name], FONTS["page_number"], _PAGE_NUMBER_PT, indent=False, exact_line=False)
    for name in ("Heading 1", "Heading 2", "Heading 3", "Heading 4", "Title"):
        styles[name].paragraph_format.keep_with_next = True


def _field(paragraph: Paragraph, instruction: str) -> None:
    parts: list[tuple[str, str | None]] = [
        ("begin", None),
        ("instr", instruction),
        ("separate", None),
        ("text", "1"),
        ("end", None),
    ]
    for kind, value in parts:
        run = paragraph.add_run()
        set_run_font(run, FONTS["page_number"], _PAGE_NUMBER_PT)
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {value} "
            run._element.append(element)
        elif kind == "text":
            run.text = str(value)
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._element.append(element)


def _page_number(paragraph: Paragraph, *, odd: bool) -> None:
    paragraph.text = ""
    pf = paragraph.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    pf.first_line_indent = Pt(0)
    if odd:
        pf.right_indent = Pt(_PAGE_NUMBER_PT)
    else:
        pf.left_indent = Pt(_PAGE_NUMBER_PT)
    for piece in ("— ", None, " —"):
        if piece is None:
            _field(paragraph, "PAGE")
        else:  # the dashes drawn by the Chinese font (一字线), not the Latin one
            run = paragraph.add_run(piece)
            set_run_font(run, FONTS["page_number"], _PAGE_NUMBER_PT)
            run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:hint"), "eastAsia")


def set_page_numbers(doc: DocumentType) -> None:
    """Page numbers "— 1 —" in 4号 宋体: odd pages at the right, even pages at the left."""
    doc.settings.odd_and_even_pages_header_footer = True
    for section in doc.sections:
        _page_number(section.footer.paragraphs[0], odd=True)
        _page_number(section.even_page_footer.paragraphs[0], odd=False)


_NUMBER = re.compile(r"^[\s+\-−–~±↑↓()（）\[\]%‰.,，、0-9]*[0-9][\s+\-−–~±↑↓()（）\[\]%‰.,，0-9]*$")


def is_number(text: str) -> bool:
    """Whether a cell reads as a number (counts, rates, changes, intervals), to be
    right-aligned.

    Examples
    --------
    >>> [is_number(t) for t in ["71.3", "12.5%", "−3.2", "(0.53, 0.72)", "↑ 4.1%", "0101 支部"]]
    [True, True, True, True, True, False]
    """
    return bool(_NUMBER.match(text))


def _display_width(text: str) -> int:
    """Width of ``text`` in Latin characters: a CJK character counts two, and so do
    arrows and dashes, which Chinese fonts draw full width."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def column_widths(
    header: Sequence[str], body: Sequence[Sequence[str]], total: int, *, size_pt: float = _TABLE_PT
) -> list[int]:
    """Widths in twips of a table's columns, summing to ``total``, from their text.

    Each column wants the width of its longest cell or header word (CJK characters
    count double) and gets at least that of its longest Latin word or number, of a short
    cell (up to four CJK characters, so "合格" never breaks), of two header characters
    and, when the table still fits, of its header's longest Latin word (so "Deductions"
    does not break); what the text width leaves after the minimum
    goes to the columns in proportion to what they still want, so a long name column is
    wide and a count column narrow.

    Examples
    --------
    >>> widths = column_widths(["支部", "人数"], [["国网和湖供电公司城区供电所党支部", "12"]], 8844)
    >>> sum(widths), widths[0] > 3 * widths[1]
    (8844, True)
    """
    columns = max([len(header), *(len(row) for row in body)], default=0)
    if columns == 0:
        return []
    half = size_pt * 11  # twips of one Latin character (half an em and a little)

    def cells(j: int) -> list[str]:
        return [row[j] for row in body if j < len(row)]

    wants: list[int] = []
    needs: list[int] = []
    header_words: list[int] = []
    for j in range(columns):
        head = header[j] if j < len(header) else ""
        texts = cells(j)
        body_width = max((_display_width(t) for t in texts), default=0)
        word = max((_display_width(w) for w in head.split()), default=0)
        latin = max((_display_width(w) for t in texts for w in _LATIN_WORD.findall(t)), default=0)
        want = max(body_width, word, 2)  # a header may wrap between its words
        needs.append(min(max(min(body_width, 8), min(word, 4), latin, 2), want))
        header_words.append(
            min(max((_display_width(w) for w in _LATIN_WORD.findall(head)), default=0), want)
        )
        wants.append(want)
    # The Latin words of headers stay whole unless the table would not fit with them.
    with_headers = [max(n, h) for n, h in zip(needs, header_words, strict=True)]
    if sum(with_headers) * half + columns * _CELL_PADDING <= total:
        needs = with_headers
    return _share(
        [w * half + _CELL_PADDING for w in wants], [n * half + _CELL_PADDING for n in needs], total
    )


def _share(wants: list[float], needs: list[float], total: int) -> list[int]:
    """Widths summing to ``total``: the needs first, the rest by what each still wants."""
    if sum(needs) >= total:
        scale = total / sum(needs)
        widths = [round(n * scale) for n in needs]
    else:
        spare = total - sum(needs)
        extra = [w - n for w, n in zip(wants, needs, strict=True)]
        if sum(extra) <= spare:  # everything fits: share the rest by what each wants
            widths = [round(w * total / sum(wants)) for w in wants]
        else:
            widths = [round(n + spare * e / sum(extra)) for n, e in zip(needs, extra, strict=True)]
    widths[-1] += total - sum(widths)
    return widths


def fix_table(table: object, widths: Sequence[int], header_rows: int) -> None:
    """Fixed layout at ``widths`` (twips), centred, the first ``header_rows`` rows
    repeated on every page and never split across pages."""
    tbl = table._tbl  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER  # type: ignore[attr-defined]
    table.autofit = False  # type: ignore[attr-defined]
    tblpr = tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(_CELL_MARGIN))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tblpr.append(margins)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(widths)))
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=False):
        col.set(qn("w:w"), str(width))
    for i, row in enumerate(table.rows):  # type: ignore[attr-defined]
        trpr = row._tr.get_or_add_trPr()
        cant_split = OxmlElement("w:cantSplit")
        trpr.append(cant_split)
        if i < header_rows:
            trpr.append(OxmlElement("w:tblHeader"))
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Twips(width)
