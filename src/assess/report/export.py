"""DOCX and PDF versions of a report.

DOCX (python-docx): the notebook as a reader sees it — Markdown and HTML outputs walked
element by element into Word headings, paragraphs, lists and tables; figures as PNG at
the text width; plain-text outputs as paragraphs; the provenance annex as a table. The
page, fonts, page numbers and tables follow GB/T 9704-2012 (A4, 3号仿宋 body, 2号小标宋
title, "— 1 —" page numbers, repeated header rows, widths fitted to the text), set by
:mod:`assess.report.docx_layout`, whose docstring names the fonts and their freely
licensed stand-ins. No font is embedded.

PDF: the HTML page printed by a headless Chromium, Chrome or Edge (found by
:func:`find_browser`), A4 with the running header and page numbers of the page's print
stylesheet (CSS ``@page`` margin boxes).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Set
from pathlib import Path

import nbformat
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Pt, Twips
from lxml import html as lxml_html

from assess.core.errors import bilingual
from assess.report import docx_layout as layout
from assess.report.errors import ExportError
from assess.report.provenance import Provenance
from assess.report.render import _exporter, printable_notebook

__all__ = ["FORMATS", "BROWSERS", "to_docx", "to_pdf", "find_browser"]

#: Output formats a report can have besides the executed notebook and its JSON.
FORMATS: tuple[str, ...] = ("html", "docx", "pdf")

#: Names of a Chromium-based browser looked up on ``PATH``, in order.
BROWSERS: tuple[str, ...] = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "microsoft-edge-stable",
    "msedge",
)

_TABLE_PT = 10.5  # 五号


def _text(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _plain(paragraph: object) -> None:
    """A paragraph inside a table or around a figure: no indent, single line spacing."""
    pf = paragraph.paragraph_format  # type: ignore[attr-defined]
    pf.first_line_indent = Pt(0)
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE


def _add_table(doc: DocumentType, element: lxml_html.HtmlElement) -> None:
    rows = []
    numeric: set[int] = set()
    for tr in element.iter("tr"):
        cells = [c for c in tr if c.tag in ("th", "td")]
        texts = [_text(c) for c in cells]
        if any(texts):
            header = tr.getparent().tag == "thead" or all(c.tag == "th" for c in cells)
            if header:
                numeric |= {j for j, c in enumerate(cells) if "num" in c.get("class", "").split()}
            rows.append((texts, header))
    _write_table(doc, rows, numeric)


def _write_table(
    doc: DocumentType, rows: list[tuple[list[str], bool]], numeric: Set[int] = frozenset()
) -> None:
    """A table of ``rows`` (texts, is-header) with the layout of
    :func:`assess.report.docx_layout.fix_table`; numbers and the cells of ``numeric``
    columns right-aligned."""
    if not rows:
        return
    header_rows = next((i for i, (_, header) in enumerate(rows) if not header), len(rows))
    columns = max(len(texts) for texts, _ in rows)
    heads = [" ".join(t) for t in zip(*(texts for texts, _ in rows[:header_rows]), strict=False)]
    body = [texts for texts, _ in rows[header_rows:]]
    widths = layout.column_widths(heads, body, layout.text_width_twips(doc), size_pt=_TABLE_PT)
    table = doc.add_table(rows=len(rows), cols=columns)
    table.style = doc.styles["Table Grid"]
    for i, (texts, header) in enumerate(rows):
        for j, value in enumerate(texts):
            paragraph = table.cell(i, j).paragraphs[0]
            _plain(paragraph)
            font = layout.FONTS["heading1"] if header else layout.FONTS["body"]
            layout.set_run_font(paragraph.add_run(value), font, _TABLE_PT)
            if header:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif j in numeric or layout.is_number(value):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            else:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    layout.fix_table(table, widths, header_rows)
    _plain(doc.add_paragraph())


def _add_image(doc: DocumentType, data: bytes) -> None:
    """A figure at the text width, centred; a tall one (a square scatter plot) at 60% of
    the text height, so that it does not push half a page of text ahead of it."""
    width = layout.text_width_twips(doc)
    section = doc.sections[0]
    height = (section.page_height - section.top_margin - section.bottom_margin) / 635  # type: ignore[operator]
    shape = doc.add_picture(io.BytesIO(data), width=Twips(width))
    if shape.height > Twips(0.6 * height):
        shape.width = round(shape.width * Twips(0.6 * height) / shape.height)
        shape.height = Twips(0.6 * height)
    paragraph = doc.paragraphs[-1]
    _plain(paragraph)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _add_html(doc: DocumentType, markup: str, *, first_title: list[bool]) -> None:
    if not markup.strip():
        return
    root = lxml_html.fragment_fromstring(markup, create_parent="div")
    _walk(doc, root, first_title)


def _walk(doc: DocumentType, element: lxml_html.HtmlElement, first_title: list[bool]) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            for anchor in child.find_class("anchor-link"):
                anchor.drop_tree()
            level = int(tag[1])
            following = child.getnext()
            if level >= 4 and following is not None and following.tag == "table":
                doc.add_paragraph(_text(child), style="Caption")  # kept with its table
            elif level == 1 and first_title[0]:
                doc.add_heading(_text(child), level=0)
                first_title[0] = False
            else:  # the page's title is the document's Title; its sections are Heading 1
                doc.add_heading(_text(child), level=min(max(level - 1, 1), 4))
        elif tag == "p":
            doc.add_paragraph(_text(child))
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for li in child.iter("li"):
                doc.add_paragraph(_text(li), style=style)
        elif tag == "table":
            _add_table(doc, child)
        elif tag == "pre":
            doc.add_paragraph(child.text_content().strip())
        elif tag == "img":
            src = child.get("src", "")
            if src.startswith("data:image/png;base64,"):
                _add_image(doc, base64.b64decode(src.split(",", 1)[1]))
        elif tag in ("div", "section", "figure", "blockquote"):
            _walk(doc, child, first_title)
        elif tag and _text(child):
            doc.add_paragraph(_text(child))


def to_docx(nb: nbformat.NotebookNode, provenance: Provenance, *, title: str) -> bytes:
    """The report as a Word document (bytes of a ``.docx`` file) laid out after GB/T
    9704-2012 (see :mod:`assess.report.docx_layout`).

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook.
    provenance : Provenance
        Written as the annex table, with the generation time.
    title : str
        The document's title property.

    Notes
    -----
    Checked in ``tests/test_report_export.py`` by reading the document's XML: A4 and the
    margins in twips, the ``PAGE`` field between dashes in the footers, the East-Asian
    fonts of the styles, repeated header rows and fitted column widths.
    """
    doc = Document()
    layout.set_page(doc)
    layout.set_styles(doc)
    layout.set_page_numbers(doc)
    doc.core_properties.title = title
    doc.core_properties.author = "assess"
    first_title = [True]
    markdown2html = _exporter().markdown2html
    for cell in printable_notebook(nb).cells:
        if cell.cell_type == "markdown":
            _add_html(doc, markdown2html({}, cell.source), first_title=first_title)
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            data = output.get("data", {})
            if output.output_type == "stream" and output.name == "stdout":
                doc.add_paragraph(output.text.strip())
            elif "image/png" in data:
                _add_image(doc, base64.b64decode(data["image/png"]))
            elif "text/html" in data:
                _add_html(doc, data["text/html"], first_title=first_title)
            elif "text/markdown" in data:
                _add_html(doc, markdown2html({}, data["text/markdown"]), first_title=first_title)
            elif "text/plain" in data:
                doc.add_paragraph(data["text/plain"].strip())
    doc.add_heading("附录：报告来源 / Annex: provenance", level=1)
    rows = [("生成时间 Generated", provenance.generated_label()), *provenance.rows()]
    _write_table(doc, [([label, value], False) for label, value in rows])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _install_paths() -> list[Path]:
    """Where Chrome, Edge and Chromium install themselves on Windows and macOS."""
    if sys.platform == "win32":
        roots = [os.environ.get(v) for v in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")]
        tails = [
            ("Google", "Chrome", "Application", "chrome.exe"),
            ("Microsoft", "Edge", "Application", "msedge.exe"),
            ("Chromium", "Application", "chrome.exe"),
        ]
        return [Path(root, *tail) for root in roots if root for tail in tails]
    if sys.platform == "darwin":
        apps = [Path("/Applications"), Path.home() / "Applications"]
        bundles = [
            ("Google Chrome.app", "Google Chrome"),
            ("Chromium.app", "Chromium"),
            ("Microsoft Edge.app", "Microsoft Edge"),
        ]
        return [app / b / "Contents" / "MacOS" / exe for app in apps for b, exe in bundles]
    return []


def find_browser() -> str | None:
    """Path of Chromium, Chrome or Edge: the first of :data:`BROWSERS` on ``PATH``, then
    the usual install folders of Windows and macOS; None when there is none."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    for path in _install_paths():
        if path.is_file():
            return str(path)
    return None


def to_pdf(html: str, *, timeout: float = 120.0) -> bytes:
    """Print the HTML page to PDF with headless Chromium, Chrome or Edge.

    The page's print stylesheet sets A4, the margins, the running header and the page
    numbers (CSS ``@page`` margin boxes, which Chromium prints from version 131 on); the
    browser's own header and footer (date, file path) are turned off; the headings become
    the PDF's bookmarks.

    Raises
    ------
    ExportError
        No browser found (the message says which were looked for and how to install
        one), or printing failed.
    """
    browser = find_browser()
    if browser is None:
        raise ExportError(
            bilingual(
                "未找到 Chromium、Chrome 或 Edge 浏览器，无法生成 PDF（已在 PATH 中查找 "
                f"{'、'.join(BROWSERS)}，并查找了 Windows 与 macOS 的默认安装位置）。请安装其一"
                "（Debian/Ubuntu：apt-get install chromium；Windows 自带 Edge）"
                "或去掉 pdf 格式；HTML 与 DOCX 不受影响",
                "no Chromium, Chrome or Edge found, so no PDF (looked on PATH for "
                f"{', '.join(BROWSERS)} and in the usual Windows and macOS install folders); "
                "install one (Debian/Ubuntu: apt-get install chromium; Windows comes with "
                "Edge) or leave out the pdf format; HTML and DOCX are unaffected",
            )
        )
    with tempfile.TemporaryDirectory(prefix="assess-pdf-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            "--generate-pdf-document-outline",  # bookmarks from the headings
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise ExportError(
                bilingual(
                    f"Chromium 在 {timeout:g} 秒内未完成 PDF",
                    f"Chromium did not print the PDF within {timeout:g} s",
                )
            ) from exc
        if not pdf.is_file() or pdf.stat().st_size == 0:
            raise ExportError(
                bilingual(
                    f"Chromium 生成 PDF 失败：{done.stderr[-500:]}",
                    f"Chromium failed to print the PDF: {done.stderr[-500:]}",
                )
            )
        return pdf.read_bytes()
