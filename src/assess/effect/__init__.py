"""Effect analysis: did a campaign really change counts of violations and complaints?

The engine (:func:`analyse_effect`) takes any tidy table of counts by unit and period and
picks the design from its shape; :func:`analyse_campaign` builds that table from the
store's campaign, events and exposure. Submodules load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "analyse_effect": "engine",
    "EffectResult": "engine",
    "analyse_campaign": "campaign",
    "campaign_panel": "campaign",
    "CampaignResult": "campaign",
    "make_panel": "panel",
    "Panel": "panel",
    "rate_ratio_test": "rates",
    "RateComparison": "rates",
    "write_verdict": "verdict",
    "Verdict": "verdict",
    "adjust_pvalues": "multiplicity",
    "member_rates": "members",
    "MemberComparison": "members",
    "shrink_rates": "shrinkage",
    "shrink_rate_ratios": "changes",
    "funnel": "shrinkage",
    "spring_festival_share": "calendar",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assess.effect' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
