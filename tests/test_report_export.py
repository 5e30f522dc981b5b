"""The Word report laid out after GB/T 9704-2012, read back from its XML; the browser
search and its message when there is none."""

from __future__ import annotations

import base64
import io
import zipfile

import nbformat
import pytest
from lxml import etree

from assess.report import export
from assess.report.docx_layout import column_widths, is_number
from assess.report.errors import ExportError
from assess.report.provenance import Provenance

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}


def png(width: int, height: int) -> str:
    """A blank PNG of ``width`` × ``height`` pixels, base64."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


LONG = "国网和湖供电公司城区供电服务中心第一党支部"
TABLE = (
    "<h4>各支部星级</h4><table><thead><tr><th>支部</th><th>星级</th><th class='num'>党员人数</th>"
    "<th class='num'>扣分</th></tr></thead><tbody>"
    + "".join(f"<tr><td>{LONG}</td><td>三星</td><td>{n}</td><td>3.81</td></tr>" for n in range(40))
    + "</tbody></table>"
)


@pytest.fixture(scope="module")
def parts():
    """The XML parts of a small report as a Word document."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 党建工作季度考评报告\n\n## 一、总体情况\n\n正文一段。"),
        nbformat.v4.new_code_cell(
            outputs=[
                nbformat.v4.new_output("display_data", data={"text/html": TABLE}),
                nbformat.v4.new_output("display_data", data={"image/png": png(800, 400)}),
                nbformat.v4.new_output("display_data", data={"image/png": png(600, 600)}),
            ]
        ),
    ]
    provenance = Provenance("sample", "0" * 64, {}, {}, {}, None, None).stamped()
    data = export.to_docx(nb, provenance, title="党建工作季度考评报告")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {
            name: etree.fromstring(z.read(name)) for name in z.namelist() if name.endswith(".xml")
        }


def test_a4_and_the_gb_t_9704_margins_in_twips(parts):
    sect = parts["word/document.xml"].find(".//w:sectPr", NS)
    size, margins = sect.find("w:pgSz", NS), sect.find("w:pgMar", NS)
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")
    # 37, 35, 28, 26 mm at 1440/25.4 twips a millimetre, rounded.
    got = [margins.get(f"{W}{side}") for side in ("top", "bottom", "left", "right")]
    assert got == ["2098", "1984", "1587", "1474"]


def test_page_numbers_are_a_page_field_between_dashes_on_odd_and_even_pages(parts):
    footers = [p for n, p in parts.items() if n.startswith("word/footer")]
    assert len(footers) == 2  # odd (default) and even pages
    for footer in footers:
        text = "".join(footer.itertext())
        assert text.startswith("— ") and text.endswith(" —")
        assert [i.text.strip() for i in footer.iter(f"{W}instrText")] == ["PAGE"]
        hints = [f.get(f"{W}hint") for f in footer.iter(f"{W}rFonts") if f.get(f"{W}hint")]
        assert hints == ["eastAsia", "eastAsia"]  # the two dashes in the Chinese font
        sizes = {s.get(f"{W}val") for s in footer.iter(f"{W}sz")}
        assert sizes == {"28"}  # 4号 = 14 pt, in half-points
    alignments = sorted(f.find(".//w:jc", NS).get(f"{W}val") for f in footers)
    assert alignments == ["left", "right"]
    settings = parts["word/settings.xml"]
    assert settings.find("w:evenAndOddHeaders", NS) is not None


def style(parts, style_id):
    found = parts["word/styles.xml"].find(f"w:style[@w:styleId='{style_id}']", NS)
    assert found is not None, style_id
    return found


def test_chinese_fonts_sit_in_the_east_asian_slot_of_every_style(parts):
    expected = {
        "Normal": ("仿宋_GB2312", "32"),  # 3号 16 pt
        "Title": ("方正小标宋简体", "44"),  # 2号 22 pt
        "Heading1": ("黑体", "32"),
        "Heading2": ("楷体_GB2312", "32"),
    }
    for style_id, (font, size) in expected.items():
        rpr = style(parts, style_id).find("w:rPr", NS)
        fonts = rpr.find("w:rFonts", NS)
        assert fonts.get(f"{W}eastAsia") == font, style_id
        assert fonts.get(f"{W}ascii") == "Times New Roman"
        assert fonts.get(f"{W}eastAsiaTheme") is None and fonts.get(f"{W}asciiTheme") is None
        assert rpr.find("w:sz", NS).get(f"{W}val") == size, style_id
    # No blue theme colour is left in any style.
    colours = {c.get(f"{W}val") for c in parts["word/styles.xml"].iter(f"{W}color")}
    assert colours == {"000000"}
    assert not [c for c in parts["word/styles.xml"].iter(f"{W}color") if c.get(f"{W}themeColor")]
    assert style(parts, "Title").find(".//w:pBdr", NS) is None


def test_tables_repeat_their_header_fit_their_widths_and_right_align_numbers(parts):
    body = parts["word/document.xml"].find("w:body", NS)
    table = body.find("w:tbl", NS)
    rows = table.findall("w:tr", NS)
    assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
    assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows[1:])
    widths = [int(c.get(f"{W}w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]
    assert sum(widths) == 11906 - 1587 - 1474  # the text width
    assert widths[0] == max(widths) and widths[0] > 3 * widths[2]  # the long name column
    cells = rows[1].findall("w:tc", NS)
    aligns = [c.find(".//w:jc", NS).get(f"{W}val") for c in cells]
    assert aligns == ["left", "left", "right", "right"]
    # The caption is kept with its table.
    caption = table.getprevious()
    assert caption.find("w:pPr/w:pStyle", NS).get(f"{W}val") == "Caption"
    assert "".join(caption.itertext()) == "各支部星级"


def test_charts_are_inserted_at_the_text_width(parts):
    wide, square = parts["word/document.xml"].iterfind(".//{*}inline/{*}extent")
    text_width, text_height = 11906 - 1587 - 1474, 16838 - 2098 - 1984
    assert int(wide.get("cx")) == text_width * 635  # EMU
    assert int(wide.get("cy")) == pytest.approx(text_width * 635 / 2, rel=1e-3)
    # A square chart is held to 60% of the text height, so it does not push a page on.
    assert int(square.get("cy")) == pytest.approx(0.6 * text_height * 635, abs=635)
    assert int(square.get("cx")) == pytest.approx(int(square.get("cy")), abs=635)


def test_column_widths_follow_the_text():
    widths = column_widths(["支部", "扣分"], [[LONG, "3.81"]], 8844)
    assert sum(widths) == 8844 and widths[0] > widths[1]
    # A header's Latin word stays whole while the table fits with it ...
    fits = column_widths(["Deductions"] + ["支部"] * 4, [["1"] + [LONG] * 4], 8844)
    assert fits[0] >= 10 * 10.5 * 11
    # ... and gives way to the minimum of the other columns when it does not.
    tight = column_widths(["Deductions"] + ["支部"] * 9, [["1"] + [LONG] * 9], 8844)
    assert tight[0] < 10 * 10.5 * 11 and sum(tight) == 8844
    assert column_widths([], [], 8844) == []
    assert [is_number(t) for t in ["1,234", "−0.5", "p < 0.001", "三星", ""]] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_no_browser_is_said_clearly_in_both_languages(monkeypatch):
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    monkeypatch.setattr(export, "_install_paths", lambda: [])
    assert export.find_browser() is None
    with pytest.raises(ExportError, match=r"未找到 Chromium、Chrome 或 Edge.*msedge.*no Chromium"):
        export.to_pdf("<p>x</p>")


def test_browsers_are_found_on_path_then_in_install_folders(monkeypatch, tmp_path):
    edge = tmp_path / "msedge.exe"
    edge.write_bytes(b"")
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    monkeypatch.setattr(export, "_install_paths", lambda: [tmp_path / "chrome.exe", edge])
    assert export.find_browser() == str(edge)
    monkeypatch.setattr(export.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert export.find_browser() == "/usr/bin/chromium"


def test_the_install_folders_of_windows_and_macos(monkeypatch):
    monkeypatch.setattr(export.sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMFILES(X86)", "C:/Program Files (x86)")
    monkeypatch.delenv("PROGRAMFILES", raising=False)
    monkeypatch.delenv("LOCALAPPDATA", raising=False)
    paths = [p.as_posix() for p in export._install_paths()]
    assert "C:/Program Files (x86)/Microsoft/Edge/Application/msedge.exe" in paths
    assert len(paths) == 3
    monkeypatch.setattr(export.sys, "platform", "darwin")
    paths = [p.as_posix() for p in export._install_paths()]
    assert "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" in paths
    monkeypatch.setattr(export.sys, "platform", "linux")
    assert export._install_paths() == []


def test_the_print_stylesheet_sets_a4_page_numbers_and_an_escaped_running_header():
    from assess.report.render import to_html

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(outputs=[_html_output(TABLE)])]
    provenance = Provenance("sample", "0" * 64, {}, {}, {}, None, None).stamped()
    kicker = '国网"福城"</style><script>x</script> 2026Q3'
    html = to_html(nb, provenance, title="t", kicker=kicker)
    print_css = html[html.index("@media print") :]
    assert "size: A4" in print_css and 'content: "— " counter(page) " —"' in print_css
    assert "thead { display: table-header-group; }" in print_css
    assert "table { break-inside: auto; }" in print_css
    assert ".rich > h4, .rich > p:has(+ table), figcaption { break-after: avoid; }" in print_css
    head = r'content: "国网\22 福城\22 \3c /style\3e \3c script\3e x\3c /script\3e  2026Q3";'
    assert head in html
    assert "<script>" not in html


def _html_output(markup):
    return nbformat.v4.new_output("display_data", data={"text/html": markup})
