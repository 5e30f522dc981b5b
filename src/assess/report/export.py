"""DOCX and PDF versions of a report.

DOCX (python-docx): the notebook as a reader sees it — Markdown and HTML outputs walked
element by element into Word headings, paragraphs, lists and tables; figures as PNG;
plain-text outputs as paragraphs; the provenance annex as a table. Body text uses
Microsoft YaHei for Chinese, which Word on Chinese Windows has.

PDF: the HTML page printed by a headless Chromium (``chromium`` or a similar name on
``PATH``), when there is one.
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import html as lxml_html

from assess.core.errors import bilingual
from assess.report.errors import ExportError
from assess.report.provenance import Provenance
from assess.report.render import _exporter, printable_notebook

__all__ = ["FORMATS", "BROWSERS", "to_docx", "to_pdf", "find_browser"]

#: Output formats a report can have besides the executed notebook and its JSON.
FORMATS: tuple[str, ...] = ("html", "docx", "pdf")

#: Names of a Chromium-based browser looked up on ``PATH``, in order.
BROWSERS: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "chrome")

_FONT_ZH = "微软雅黑"
_FONT_LATIN = "Microsoft YaHei"
_MAX_WIDTH_CM = 16.0


def _set_fonts(doc: DocumentType) -> None:
    for style in doc.styles:
        if style.type != 1 or style.name in ("Table Grid",):  # 1: paragraph styles
            continue
        style.font.name = _FONT_LATIN
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), _FONT_ZH)
    doc.styles["Normal"].font.size = Pt(10.5)


def _text(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _add_table(doc: DocumentType, element: lxml_html.HtmlElement) -> None:
    rows = []
    for tr in element.iter("tr"):
        cells = [c for c in tr if c.tag in ("th", "td")]
        texts = [_text(c) for c in cells]
        if any(texts):
            header = tr.getparent().tag == "thead" or all(c.tag == "th" for c in cells)
            rows.append((texts, header))
    if not rows:
        return
    table = doc.add_table(rows=len(rows), cols=max(len(texts) for texts, _ in rows))
    table.style = doc.styles["Table Grid"]
    for i, (texts, header) in enumerate(rows):
        for j, value in enumerate(texts):
            paragraph = table.cell(i, j).paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(9)
            run.bold = header
    doc.add_paragraph()


def _add_image(doc: DocumentType, data: bytes, width_px: float | None) -> None:
    width = _MAX_WIDTH_CM if width_px is None else min(_MAX_WIDTH_CM, width_px / 96 * 2.54)
    doc.add_picture(io.BytesIO(data), width=Cm(width))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


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
            if level == 1 and first_title[0]:
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
                width = child.get("width")
                _add_image(
                    doc, base64.b64decode(src.split(",", 1)[1]), float(width) if width else None
                )
        elif tag in ("div", "section", "figure", "blockquote"):
            _walk(doc, child, first_title)
        elif tag and _text(child):
            doc.add_paragraph(_text(child))


def to_docx(nb: nbformat.NotebookNode, provenance: Provenance, *, title: str) -> bytes:
    """The report as a Word document (bytes of a ``.docx`` file).

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook.
    provenance : Provenance
        Written as the annex table, with the generation time.
    title : str
        The document's title property.
    """
    doc = Document()
    _set_fonts(doc)
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
                width = output.get("metadata", {}).get("image/png", {}).get("width")
                _add_image(doc, base64.b64decode(data["image/png"]), width)
            elif "text/html" in data:
                _add_html(doc, data["text/html"], first_title=first_title)
            elif "text/markdown" in data:
                _add_html(doc, markdown2html({}, data["text/markdown"]), first_title=first_title)
            elif "text/plain" in data:
                doc.add_paragraph(data["text/plain"].strip())
    doc.add_heading("附录：报告来源 / Annex: provenance", level=1)
    rows = [("生成时间 Generated", provenance.generated_label()), *provenance.rows()]
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = doc.styles["Table Grid"]
    for i, (label, value) in enumerate(rows):
        table.cell(i, 0).text, table.cell(i, 1).text = label, value
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def find_browser() -> str | None:
    """Path of a Chromium-based browser on ``PATH``, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def to_pdf(html: str, *, timeout: float = 120.0) -> bytes:
    """Print the HTML page to PDF (A4) with headless Chromium.

    Raises
    ------
    ExportError
        No Chromium on ``PATH`` (the message says how to install one), or printing failed.
    """
    browser = find_browser()
    if browser is None:
        raise ExportError(
            bilingual(
                "未找到 Chromium 浏览器，无法生成 PDF；请安装（Debian/Ubuntu："
                "apt-get install chromium）"
                "或去掉 pdf 格式，HTML 与 DOCX 不受影响",
                "no Chromium browser found on PATH, so no PDF; install one (Debian/Ubuntu: "
                "apt-get install chromium) or leave out the pdf format; HTML and DOCX are "
                "unaffected",
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
