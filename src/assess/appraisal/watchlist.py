"""The watch list for heart-to-heart talks (谈心谈话).

Seed 000: branch secretaries talk with members who had violations or complaints,
"according to severity and number of occurrences". A member is listed when the
quarter's events of the watched types reach ``min_events`` or include one of severity
``min_severity`` or worse; the events are listed with them.
"""

from __future__ import annotations

import pandas as pd

from assess.appraisal.ledger import quarter_events
from assess.core.checks import check_quarter
from assess.core.scheme import WatchRule

__all__ = ["watch_list"]

_SEVERITY_ZH = {1: "轻微", 2: "一般", 3: "严重"}
_TYPE_ZH = {"violation": "违章", "complaint": "投诉", "discipline": "违纪", "fault": "故障"}


def watch_list(
    events: pd.DataFrame, members: pd.DataFrame, rule: WatchRule, *, quarter: str
) -> pd.DataFrame:
    """Members to talk with this quarter, per branch, with the events that put them there.

    Parameters
    ----------
    events : DataFrame
        The ``events`` table (any quarters).
    members : DataFrame
        Members in scope, with ``person_id``, ``name`` and ``unit_code`` (their branch).
    rule : WatchRule
        The scheme's threshold (``scheme.watch``).
    quarter : str
        Quarter, e.g. ``"2026Q3"``.

    Returns
    -------
    DataFrame
        One row per listed member: ``unit_code``, ``person_id``, ``name``, ``n_events``,
        ``max_severity``, ``reason_zh``, ``reason_en`` and ``events`` (date, type and
        severity of each event, ``;``-separated), sorted by branch then severity.

    Examples
    --------
    >>> from assess.core.scheme import WatchRule
    >>> ev = pd.DataFrame({"event_id": ["e1", "e2"], "person_id": ["p1", "p1"],
    ...     "date": pd.to_datetime(["2026-07-02", "2026-08-09"]), "unit_code": ["b1", "b1"],
    ...     "type": ["violation", "complaint"], "severity": ["1", "2"]})
    >>> mem = pd.DataFrame({"person_id": ["p1"], "name": ["张三"], "unit_code": ["b1"]})
    >>> watch_list(ev, mem, WatchRule(("violation", "complaint"), 2, 3), quarter="2026Q3")[
    ...     ["person_id", "n_events", "reason_en"]]
      person_id  n_events        reason_en
    0        p1         2  2 events (>= 2)
    """
    quarter = check_quarter("watch_list", quarter)
    evts = quarter_events(events, quarter)
    evts = evts.loc[
        evts["type"].isin(rule.event_types) & evts["person_id"].isin(members["person_id"])
    ]
    evts = evts.sort_values(["person_id", "date", "event_id"])
    evts["text"] = (
        evts["date"].dt.strftime("%Y-%m-%d")
        + " "
        + evts["type"].map(_TYPE_ZH)
        + "("
        + evts["severity"].map(_SEVERITY_ZH)
        + ")"
    )
    per = evts.groupby("person_id").agg(
        n_events=("event_id", "size"),
        max_severity=("severity", "max"),
        events=("text", "; ".join),
    )
    by_count = per["n_events"] >= rule.min_events
    by_severity = per["max_severity"] >= rule.min_severity
    per = per.loc[by_count | by_severity].copy()
    count_zh = per["n_events"].astype(str) + f" 起事件（≥{rule.min_events}）"
    count_en = per["n_events"].astype(str) + f" events (>= {rule.min_events})"
    sev_zh, sev_en = "有严重事件", f"an event of severity >= {rule.min_severity}"
    hit_count, hit_sev = by_count[per.index], by_severity[per.index]
    per["reason_zh"] = (
        count_zh.where(hit_count, "")
        .str.cat(pd.Series(sev_zh, index=per.index).where(hit_sev, ""), sep="；")
        .str.strip("；")
    )
    per["reason_en"] = (
        count_en.where(hit_count, "")
        .str.cat(pd.Series(sev_en, index=per.index).where(hit_sev, ""), sep="; ")
        .str.strip("; ")
    )
    out = members[["unit_code", "person_id", "name"]].merge(per.reset_index(), on="person_id")
    out = out.sort_values(["unit_code", "max_severity", "n_events"], ascending=[True, False, False])
    columns = [
        "unit_code",
        "person_id",
        "name",
        "n_events",
        "max_severity",
        "reason_zh",
        "reason_en",
        "events",
    ]
    return out[columns].reset_index(drop=True)
