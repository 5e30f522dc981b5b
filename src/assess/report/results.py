"""Key results: the numbers a template publishes, saved as the report's JSON.

A template calls :func:`publish_key_results` with the values the library returned; the
call displays them under the custom MIME type :data:`RESULTS_MIME`, which the runner
collects from the executed notebook (:func:`extract_key_results`) and leaves out of the
HTML and DOCX. The JSON therefore holds exactly the library's numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import nbformat
import numpy as np
import pandas as pd

from assess.core.errors import ParameterError, bilingual
from assess.core.glossary import TERMS, term
from assess.report.errors import TemplateError

__all__ = ["RESULTS_MIME", "publish_key_results", "extract_key_results", "jsonable"]

#: MIME type of the display output that carries a template's key results.
RESULTS_MIME = "application/vnd.assess.results+json"


def jsonable(value: Any, *, where: str = "results") -> Any:
    """``value`` with numpy/pandas scalars, frames and dates turned into JSON types.

    Non-finite floats become ``None`` (JSON has no NaN); a DataFrame becomes a list of
    row records, a Series a mapping.

    Raises
    ------
    ParameterError
        A value of another type (the message names where it was found).

    Examples
    --------
    >>> jsonable({"n": np.int64(3), "rate": np.float64(0.25), "ci": (0.1, float("nan"))})
    {'n': 3, 'rate': 0.25, 'ci': [0.1, None]}
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, where=f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return jsonable(value.to_dict(orient="records"), where=where)
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict(), where=where)
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v, where=f"{where}[{i}]") for i, v in enumerate(value)]
    raise ParameterError(
        "publish_key_results",
        where,
        "numbers, text, booleans, dates, lists, mappings or DataFrames",
        value,
    )


def publish_key_results(
    results: Mapping[str, Any],
    *,
    labels: Mapping[str, str] | None = None,
    percent: Iterable[str] = (),
    title: str | None = None,
    index: Iterable[str] | None = None,
    decimals: Mapping[str, int] | None = None,
) -> None:
    """Record a report's key results; call it in a template cell.

    Parameters
    ----------
    results : mapping of str to value
        The figures as the library returned them (numbers, text, lists, mappings,
        DataFrames). Scalar entries appear as columns of the batch ``index.html``.
    labels : mapping of str to str, optional
        Column headings for the index, e.g. ``{"staff": "人数 Staff"}``; a key without
        one that is a glossary key (:data:`assess.core.glossary.TERMS`) is headed by its
        term in both languages.
    percent : iterable of str, optional
        Keys of shares (0–1) that the index shows as percentages; the JSON keeps the
        share as the library returned it.
    title : str, optional
        The report's title (browser tab, index, DOCX), e.g. the unit and quarter.
    index : iterable of str, optional
        The keys the batch ``index.html`` shows for this report, in order (numbers or
        text); default the first scalar numbers. The effect report names its
        design-based estimates with their intervals and verdicts, so that a naive figure
        never stands alone there.
    decimals : mapping of str to int, optional
        Decimals the index prints a number with, as the report prints it (e.g.
        ``{"index_mean": 1}``); default :func:`~assess.report.content.format_value`'s.

    Notes
    -----
    Several calls in one template add up; a key published twice is an error of the
    template. Outside the runner (e.g. in JupyterLab) only a one-line note is shown.
    """
    from IPython.display import display

    if not isinstance(results, Mapping):
        raise ParameterError("publish_key_results", "results", "a mapping", results)
    payload = {
        "results": jsonable(dict(results)),
        "labels": {
            **{str(k): term(str(k), "zh-en") for k in results if str(k) in TERMS},
            **{str(k): str(v) for k, v in (labels or {}).items()},
        },
        "percent": [str(k) for k in percent],
        "title": None if title is None else str(title),
        "index": None if index is None else [str(k) for k in index],
        "decimals": {str(k): int(v) for k, v in (decimals or {}).items()},
    }
    unknown = [k for k in payload["index"] or [] if k not in payload["results"]]
    if unknown:
        raise ParameterError("publish_key_results", "index", "keys of results", unknown[0])
    note = bilingual(f"已记录 {len(results)} 项关键结果", f"{len(results)} key results recorded")
    display({RESULTS_MIME: payload, "text/plain": note}, raw=True)


def extract_key_results(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Collect what :func:`publish_key_results` recorded in an executed notebook.

    Returns
    -------
    dict
        ``{"results": {...}, "labels": {...}, "percent": [...], "title": str or None,
        "index": [...] or None, "decimals": {...}}``, merged over all calls in cell order.

    Raises
    ------
    TemplateError
        The same key was published twice.
    """
    merged: dict[str, Any] = {
        "results": {},
        "labels": {},
        "percent": [],
        "title": None,
        "index": None,
        "decimals": {},
    }
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(RESULTS_MIME)
            if payload is None:
                continue
            twice = sorted(set(payload["results"]) & set(merged["results"]))
            if twice:
                raise TemplateError(
                    bilingual(
                        f"关键结果 {twice[0]!r} 发布了两次",
                        f"key result {twice[0]!r} published twice",
                    )
                )
            merged["results"].update(payload["results"])
            merged["labels"].update(payload.get("labels", {}))
            merged["percent"] += payload.get("percent", [])
            merged["title"] = payload.get("title") or merged["title"]
            merged["decimals"].update(payload.get("decimals", {}))
            if payload.get("index") is not None:
                merged["index"] = [*(merged["index"] or []), *payload["index"]]
    return merged
