"""The HTML page of an executed report: self-contained, Chinese first, nothing from data unescaped.

Rendered by nbconvert with the package's own ``assess`` template (``html/assess/``):
code cells and the parameter cells are left out, no script is emitted at all (nbconvert's
default templates load require.js and MathJax from a CDN), the CSS is inline with a
font stack for Chinese readers headed by an embedded cut of Noto Sans CJK SC (see
:mod:`assess.report.fonts`), images are ``data:`` URIs, and a provenance annex ends
the page. HTML and Markdown produced by cell outputs pass through :func:`safe_html`, an
allow-list sanitiser, so a unit named ``<script>…`` shows as text. The finished page is
checked by :func:`check_self_contained` before it is written.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

import bleach
import nbformat
from markupsafe import Markup

from assess.core.errors import bilingual
from assess.report.errors import ReportError
from assess.report.fonts import font_face_css
from assess.report.provenance import Provenance
from assess.report.results import RESULTS_MIME

__all__ = [
    "HIDDEN_TAGS",
    "FONT_MARK",
    "to_html",
    "embed_font",
    "page_css",
    "printable_notebook",
    "safe_html",
    "css_string",
    "check_self_contained",
    "prepare_exporter",
]

#: Cells with these tags are never shown: the template's defaults and Papermill's values.
HIDDEN_TAGS = ("parameters", "injected-parameters")

_TEMPLATES = Path(__file__).with_name("html")
#: Where a page's CSS takes the embedded font (see :mod:`assess.report.fonts`).
FONT_MARK = "/*assess-font-face*/"

_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# pandas' HTML repr starts with a <style scoped> block for JupyterLab: drop it (the page's
# own CSS styles tables), rather than show it escaped as text.
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.DOTALL | re.IGNORECASE)
_IMAGE_URI = re.compile(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*\Z")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in ("class", "id", "title", "colspan", "rowspan", "align"):
        return True
    if tag == "a" and name == "href":
        return value.startswith("#")
    if tag == "img" and name == "src":
        return bool(_IMAGE_URI.match(value))
    return tag == "img" and name in ("alt", "width", "height")


_CLEANER = bleach.sanitizer.Cleaner(
    tags=_TAGS, attributes=_allowed_attribute, protocols=["data"], strip=False, strip_comments=True
)


def safe_html(text: str) -> Markup:
    """HTML with only an allow-list of tags and attributes; anything else shown as text.

    Links may only point inside the page and images must be ``data:`` URIs, so nothing is
    fetched from a host and no script runs. ``<style>`` blocks are dropped.

    Examples
    --------
    >>> str(safe_html("<p>单位 <script>alert(1)</script></p>"))
    '<p>单位 &lt;script&gt;alert(1)&lt;/script&gt;</p>'
    """
    return Markup(_CLEANER.clean(_STYLE_BLOCK.sub("", str(text))))  # noqa: S704 - the output of an allow-list cleaner


def css_string(text: str) -> Markup:
    r"""``text`` as a quoted CSS string inside a ``<style>`` element: quotes, backslashes,
    line breaks and ``<`` escaped, so data can neither end the string nor the element.

    Examples
    --------
    >>> print(css_string('国网"福城"</style>'))
    "国网\22 福城\22 \3c /style\3e "
    """
    escaped = "".join(
        f"\\{ord(c):x} " if c in "\"'\\<>&" or ord(c) < 0x20 or ord(c) == 0x7F else c
        for c in str(text)
    )
    return Markup(f'"{escaped}"')  # noqa: S704 - every character that could end it is escaped


@functools.cache
def _exporter() -> Any:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="assess",
        extra_template_basedirs=[str(_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_filter("safe_html", safe_html)
    exporter.register_filter("css_string", css_string)
    return exporter


def page_css() -> str:
    """The stylesheet of report pages (also used by the batch index)."""
    return (_TEMPLATES / "assess" / "assess.css").read_text(encoding="utf-8")


def prepare_exporter() -> None:
    """Build the nbconvert exporter and render a sample page once (in the warm parent,
    before forking), so that children find the templates compiled and Markdown, the
    sanitiser and the font cutter loaded."""
    cell = nbformat.v4.new_code_cell(
        outputs=[
            nbformat.v4.new_output(
                "display_data",
                data={
                    "text/html": "<table><tr><th>单位</th><td>1</td></tr></table>",
                    "image/png": _PIXEL,
                },
            ),
            nbformat.v4.new_output("stream", name="stdout", text="党建"),
        ]
    )
    sample = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# 标题 Title\n\n段落 *text*"), cell]
    )
    provenance = Provenance("sample", "0" * 64, {}, {}, {}, None, None).stamped()
    to_html(sample, provenance, title="sample")


# A 1×1 transparent PNG for the warm-up page.
_PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU"
    "5ErkJggg=="
)


def printable_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed notebook as readers see it: no parameter cells, no key-results
    payloads (they go to the JSON)."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if not set(c.metadata.get("tags", [])) & set(HIDDEN_TAGS)]
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if RESULTS_MIME not in o.get("data", {})]
    return out


def to_html(
    nb: nbformat.NotebookNode, provenance: Provenance, *, title: str, kicker: str = ""
) -> str:
    """The report page of an executed notebook.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook (parameter cells and key-results payloads are left out).
    provenance : Provenance
        Shown as the annex; ``generated_at`` is the only line that changes between runs.
    title : str
        The page title (browser tab).
    kicker : str, optional
        The small line above the report (e.g. "党建工作部 · 季度考评").

    Raises
    ------
    ReportError
        The page would fetch something from a host or run a script (see
        :func:`check_self_contained`).
    """
    resources = {
        "assess": {
            "title": title,
            "kicker": kicker,
            "provenance": provenance.to_dict(),
            "generated": provenance.generated_label(),
            "provenance_rows": provenance.rows(),
        }
    }
    html, _ = _exporter().from_notebook_node(printable_notebook(nb), resources=resources)
    html = embed_font(str(html))
    check_self_contained(html)
    return html


def embed_font(html: str) -> str:
    """Put the ``@font-face`` rule with the page's glyphs where the page's CSS asks for it."""
    return html.replace(FONT_MARK, font_face_css(html), 1)


_REMOTE = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)|(?:<script\b)|(?:<link\b)""",
    re.IGNORECASE,
)


def check_self_contained(html: str) -> None:
    """Raise unless the page is self-contained: no script, no ``<link>``, no ``@import``, and
    no ``src``/``href``/``url()`` pointing at a host.

    Examples
    --------
    >>> check_self_contained('<img src="data:image/png;base64,AA==">')
    >>> check_self_contained('<script src="https://cdn.example/x.js"></script>')
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    assess.report.errors.ReportError: 报告页面引用了外部资源或脚本：<script src=...
    """
    found = _REMOTE.search(html)
    if found:
        start = max(found.start() - 40, 0)
        snippet = html[start : found.end() + 40].replace("\n", " ")
        raise ReportError(
            bilingual(
                f"报告页面引用了外部资源或脚本：{snippet}",
                f"the report page references an external resource or a script: {snippet}",
            )
        )
