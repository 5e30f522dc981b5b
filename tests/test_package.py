"""The public API: every exported name resolves, and importing the package is cheap."""

from __future__ import annotations

import subprocess
import sys

import assess


def test_every_exported_name_resolves():
    missing = [name for name in assess.__all__ if getattr(assess, name, None) is None]
    assert missing == []


def test_import_does_not_load_the_heavy_libraries():
    code = (
        "import sys, assess; print(sorted(m for m in ('pandas', 'matplotlib', 'statsmodels') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_effect_subpackage_exports_resolve():
    import assess.effect as effect

    assert [n for n in effect.__all__ if getattr(effect, n, None) is None] == []
