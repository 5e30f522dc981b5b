"""The documents users read stay true to the code."""

from __future__ import annotations

from pathlib import Path

from assess.core.schema import to_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_data_md_embeds_the_current_contract():
    text = (ROOT / "DATA.md").read_text(encoding="utf-8")
    begin = "<!-- BEGIN GENERATED: schema.to_markdown() -->\n"
    end = "\n<!-- END GENERATED -->"
    embedded = text[text.index(begin) + len(begin) : text.index(end)]
    assert embedded == to_markdown(), (
        "DATA.md is out of date: replace the generated section with "
        "assess.core.schema.to_markdown()"
    )
