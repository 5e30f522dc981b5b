"""Extract the published DiD examples shipped inside the CausalPy wheel into small CSVs.

Source: CausalPy 0.9.0 (PyPI ``causalpy``, Apache-2.0), files ``causalpy/data/
california_prop99.csv`` (Abadie, Diamond & Hainmueller 2010: per-capita cigarette sales
in packs, 39 states, 1970–2000) and ``causalpy/data/banks.csv`` (Richardson & Troost 2009:
banks in business per day in the Sixth (``bib6``) and Eighth (``bib8``) Federal Reserve
districts, 1929–1934). CausalPy is not a dependency of `assess`; download the wheel without
installing it and point this script at it:

    pip download --no-deps causalpy==0.9.0 -d /tmp/cp
    python tests/data/make_reference_data.py /tmp/cp/causalpy-0.9.0-py3-none-any.whl

Writes, next to this script:

* ``prop99_long.csv``: ``state``, ``year``, ``sales`` (long form of the whole table).
* ``banks_july.csv``: ``district`` (6 or 8), ``year``, ``banks``: banks in business on
  1 July of each year 1929–1934 (the rows with ``month == 7`` and ``day == 1``).

Published values the tests check: simple DiD for Proposition 99, California against
the other 38 states, 1989–2000 against 1970–1988: −27.349 packs; Mississippi banks, Sixth
against Eighth district, 1 July 1930 → 1 July 1931: (121 − 135) − (132 − 165) = 19.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        prop99 = pd.read_csv(io.BytesIO(archive.read("causalpy/data/california_prop99.csv")))
        banks = pd.read_csv(io.BytesIO(archive.read("causalpy/data/banks.csv")))
    long = prop99.melt(id_vars="Year", var_name="state", value_name="sales")
    long = long.rename(columns={"Year": "year"})[["state", "year", "sales"]]
    long.to_csv(HERE / "prop99_long.csv", index=False)
    july = banks[(banks["month"] == 7) & (banks["day"] == 1)]
    rows = [
        {"district": d, "year": int(r["year"]), "banks": int(r[f"bib{d}"])}
        for d in (6, 8)
        for _, r in july.iterrows()
    ]
    pd.DataFrame(rows).to_csv(HERE / "banks_july.csv", index=False)


if __name__ == "__main__":
    main(sys.argv[1])
