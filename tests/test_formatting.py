"""The one formatter of numbers (assess.core.formatting) and the glossary of labels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assess.core.errors import ParameterError
from assess.core.formatting import change, interval, number, p_value, percent, points
from assess.core.glossary import LANGUAGES, TERMS, term


def test_half_up_ties_round_up_not_to_even():
    # f"{0.125:.2f}" is "0.12" and f"{0.0125:.1%}" is "1.2%" (binary value, half even).
    assert number(0.125) == "0.13"
    assert number(2.675) == "2.68"
    assert number(-0.125) == "-0.13"
    assert percent(0.0125) == "1.3%"
    assert percent(0.00125, 2) == "0.13%"
    assert points(0.0125) == "1.3个百分点"


def test_number_thousands_and_missing():
    assert number(194123) == "194,123"
    assert number(np.int64(25398)) == "25,398"
    assert number(1234567.891) == "1,234,567.89"
    assert number(71.0, 1) == "71.0"
    assert number(-0.001) == "0.00"
    assert [number(v) for v in (None, math.nan, pd.NA)] == ["—", "—", "—"]
    assert number(math.inf) == "∞"


def test_percent():
    assert percent(0.2394) == "23.9%"
    assert percent(1) == "100.0%"
    assert percent(0.5, 0) == "50%"
    assert percent(-0.28571, 2) == "-28.57%"
    assert percent(0.173, signed=True) == "+17.3%"
    assert percent(0.0, signed=True) == "0.0%"
    assert percent(np.float64(0.0125)) == "1.3%"
    assert percent(None) == "—"


def test_points_languages():
    assert points(0.015) == "1.5个百分点"
    assert points(-0.015, language="en") == "-1.5 pp"
    assert points(0.015, language="zh-en") == "1.5个百分点"
    with pytest.raises(ParameterError, match="language"):
        points(0.1, language="fr")


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.00099, "< 0.001"),
        (0.001, "0.0010"),
        (0.0499, "0.050"),
        (0.05, "0.050"),
        (0.04666, "0.047"),
        (0.125, "0.13"),
        (0.0999, "0.10"),
        (0.46639, "0.47"),
        (1.0, "1.0"),
        (1e-57, "< 0.001"),
    ],
)
def test_p_value_boundaries(p, text):
    assert p_value(p) == text


def test_p_value_prefix_and_missing():
    assert p_value(0.0127, prefix=True) == "p = 0.013"
    assert p_value(0.0001, prefix=True) == "p < 0.001"
    assert p_value(math.nan) == "—"


def test_interval_dash():
    assert interval(0.5271, 0.7249) == "0.53–0.72"
    assert interval(0.125, 0.3014, percent=True) == "12.5%–30.1%"
    assert interval(0.125, 0.3014, 0, percent=True) == "13%–30%"
    assert interval(1.2, math.inf) == "1.20–∞"
    assert interval(0.91, 1.125, 3) == "0.910–1.125"


def test_change_unchanged_when_it_rounds_to_zero():
    assert change(0.12345) == "↑12.3%"
    assert change(-0.015) == "↓1.5%"
    assert change(-0.00125, 2) == "↓0.13%"
    assert change(0.0) == "持平"
    assert change(0.0004) == "持平"
    assert change(-0.0004) == "持平"
    assert change(-0.0004, language="en") == "unchanged"
    assert change(0.0004, language="zh-en") == "持平 unchanged"
    assert change(None) == "—"


def test_glossary_languages():
    assert LANGUAGES == ("zh", "en", "zh-en")
    assert term("pioneer_index") == "先锋指数"
    assert term("pioneer_index", "en") == "Pioneer Index"
    assert term("pioneer_index", "zh-en") == "先锋指数 Pioneer Index"
    assert term("rate_ratio", "zh-en") == "率比 Rate ratio"
    assert term("change_flat", "en") == "unchanged"


def test_glossary_unknown_key_and_language():
    with pytest.raises(ParameterError, match="'no_such_key'.*TERMS"):
        term("no_such_key")
    with pytest.raises(ParameterError, match="language.*'fr'"):
        term("members", "fr")


def test_every_term_has_chinese_and_english():
    assert len(TERMS) > 100
    for key, t in TERMS.items():
        assert key.isascii() and key == key.strip(), key
        assert t.zh.strip() and t.en.strip(), key
        assert t.zh == t.zh.strip() and t.en == t.en.strip(), key
        assert any("\u4e00" <= ch <= "\u9fff" for ch in t.zh), key


def test_templates_have_no_chinese_in_code_cells_but_parameter_comments():
    import json
    import re
    from pathlib import Path

    han = re.compile(r"[\u4e00-\u9fff]")
    root = Path(__file__).resolve().parents[1] / "notebooks"
    templates = sorted(root.glob("*.ipynb"))
    assert len(templates) == 3
    for path in templates:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            tags = cell.get("metadata", {}).get("tags", [])
            for line in "".join(cell["source"]).splitlines():
                code = line.split("#", 1)[0] if "parameters" in tags else line
                assert not han.search(code), (path.name, line)


def test_headed_names_workbook_columns_from_the_glossary():
    from assess.core.glossary import headed

    frame = pd.DataFrame({"unit_code": ["B11"], "count": [3], "reason": ["逾期"], "x": [1]})
    assert list(headed(frame).columns) == ["单位编码", "实际人数", "列入原因", "x"]
    assert list(headed(frame, {"count": "times"}, "en").columns) == [
        "Unit code",
        "Times",
        "Reason",
        "x",
    ]
    assert list(frame.columns) == ["unit_code", "count", "reason", "x"]  # not modified
