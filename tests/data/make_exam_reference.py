"""Extract the Cronbach's α reference datasets of pingouin 0.7 for ``tests/test_exam.py``.

Run from the repository root: ``python tests/data/make_exam_reference.py``. It downloads
the pingouin 0.7.0 wheel with pip (no dependencies, nothing installed), checks its hash,
and writes two CSV files beside this script:

``pingouin_cronbach_wide_missing.csv``
    12 examinees × 11 binary items (Q1–Q11), 4 missing entries, wide form.
``pingouin_cronbach_alpha.csv``
    15 subjects × 10 items of questionnaire ratings, long form (Subj, Items, Scores).

Source and licence
------------------
Both files are ``pingouin/datasets/*.csv`` of pingouin 0.7.0 (R. Vallat), a GPL-3.0
package; pingouin's ``datasets.csv`` names www.real-statistics.com (C. Zaiontz) as their
origin. The data files carry no licence of their own. They are copied byte for byte as
test fixtures only; pingouin's code is neither copied nor imported, and pingouin is not
a dependency of `assess`.

Where the expected values come from
-----------------------------------
* α, pairwise, wide-missing: 0.732660835214447, Feldt 95 % CI [0.435, 0.909] — the
  docstring of ``pingouin.cronbach_alpha`` 0.7.0 ("In R: psych:alpha(data,
  use='pairwise')").
* α, listwise (9 complete rows): 0.8016949152542373 — same docstring (R
  ``psych::alpha(data, use="complete.obs")``). Its CI [0.581, 0.933] there uses n = 12,
  the rows *before* deletion; pingouin's later ``tests/test_reliability.py`` (commit
  0d02947c) uses n = 9 after deletion, CI [0.533, 0.947], as `assess` does.
* α, long form: 0.5917188485995826, CI [0.195, 0.840] — same docstring and pingouin's
  ``tests/test_reliability.py`` ("Compare results with the R package psych").

To recompute the values with pingouin itself, install it into a throwaway environment
(``python -m venv /tmp/pg && /tmp/pg/bin/pip install pingouin==0.7.0``) and run this
script with that interpreter and ``--oracle``.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "pingouin-0.7.0-py3-none-any.whl"
WHEEL_SHA256 = "6ad8cee3f498d1c15deb74996264961b9bfaf126382847570b090ad5ac1b621f"
FILES = {
    "cronbach_wide_missing.csv": "6300fb96a4c68f1217a84660a11398b213130bfe95f38e6869acd8f21c859fef",
    "cronbach_alpha.csv": "94585f1b1f0da238afdab16cacd4872b52dc3b12ce3966bf27dcf52e2b0068d7",
}
HERE = Path(__file__).resolve().parent


def extract() -> None:
    """Download the wheel, check hashes and write the two CSV files."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "pingouin==0.7.0", "-d", tmp],
            check=True,
        )
        wheel = Path(tmp) / WHEEL
        if hashlib.sha256(wheel.read_bytes()).hexdigest() != WHEEL_SHA256:
            raise SystemExit(f"unexpected hash for {wheel.name}")
        with zipfile.ZipFile(wheel) as zf:
            for name, digest in FILES.items():
                data = zf.read(f"pingouin/datasets/{name}")
                if hashlib.sha256(data).hexdigest() != digest:
                    raise SystemExit(f"unexpected hash for {name}")
                (HERE / f"pingouin_{name}").write_bytes(data)
                print(f"wrote {HERE / f'pingouin_{name}'}")


def oracle() -> None:
    """Print pingouin's own results for the two files (needs pingouin importable)."""
    import pandas as pd
    import pingouin as pg

    wide = pd.read_csv(HERE / "pingouin_cronbach_wide_missing.csv", encoding="utf-8-sig")
    long = pd.read_csv(HERE / "pingouin_cronbach_alpha.csv")
    print("pairwise", pg.cronbach_alpha(wide))
    print("listwise", pg.cronbach_alpha(wide, nan_policy="listwise"))
    print("long", pg.cronbach_alpha(long, items="Items", scores="Scores", subject="Subj"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oracle", action="store_true", help="also print pingouin's values")
    args = parser.parse_args()
    extract()
    if args.oracle:
        oracle()
