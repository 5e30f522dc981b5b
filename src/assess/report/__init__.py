"""Reports: parameterised notebook templates rendered to self-contained Chinese HTML, DOCX
and PDF, one at a time or one per unit in a batch.

Public API (imported lazily, so that ``import assess.report`` in a template is cheap):

* templates call :func:`publish_key_results`, :func:`mask_people` and the building blocks
  :func:`load_store`, :func:`unit_info`, :func:`cover`, :func:`prose`, :func:`table`,
  :func:`notes` and those of the effect report (:func:`effect_overview`, ...); the
  quarterly report's sections are in :mod:`~assess.report.appraisal_sections`,
  :mod:`~assess.report.robustness_sections`, :mod:`~assess.report.stars_sections`,
  :mod:`~assess.report.method_sections`, :mod:`~assess.report.event_sections` (laying
  out :mod:`assess.effect.events`) and :mod:`~assess.report.tracking_sections`;
* :func:`render_report` renders one report, :func:`render_batch` one per parameter set
  (e.g. per unit) with an ``index.html``, :func:`render_reports` any mix of templates as
  one batch; :func:`read_parameters` and
  :func:`validate_parameters` implement the template's parameter contract;
* :class:`LocalExecutor` and :class:`DaskExecutor` run batches;
* errors: :class:`ReportError` and its subclasses.

See ``ARCHITECTURE.md`` and the module docstrings of :mod:`assess.report.runner` and
:mod:`assess.report.engine` for the design.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "publish_key_results",
    "load_store",
    "unit_info",
    "UnitInfo",
    "cover",
    "prose",
    "table",
    "notes",
    "CampaignInfo",
    "campaign_info",
    "campaign_cover",
    "effect_overview",
    "effect_headline",
    "effect_verdict",
    "falsification_table",
    "note_box",
    "mask_people",
    "PRIVACY_LEVELS",
    "Parameter",
    "read_parameters",
    "validate_parameters",
    "render_report",
    "ReportResult",
    "render_batch",
    "render_reports",
    "BatchResult",
    "unit_parameter_sets",
    "LocalExecutor",
    "DaskExecutor",
    "Provenance",
    "find_template",
    "list_templates",
    "ReportError",
    "TemplateError",
    "ReportParameterError",
    "ReportExecutionError",
    "ExportError",
]

_WHERE = {
    "publish_key_results": "results",
    "load_store": "content",
    "unit_info": "content",
    "UnitInfo": "content",
    "cover": "content",
    "prose": "content",
    "table": "content",
    "notes": "content",
    "CampaignInfo": "content",
    "campaign_info": "content",
    "campaign_cover": "content",
    "effect_overview": "content",
    "effect_headline": "content",
    "effect_verdict": "content",
    "falsification_table": "content",
    "note_box": "content",
    "mask_people": "privacy",
    "PRIVACY_LEVELS": "privacy",
    "Parameter": "params",
    "read_parameters": "params",
    "validate_parameters": "params",
    "render_report": "runner",
    "ReportResult": "runner",
    "render_batch": "batch",
    "render_reports": "batch",
    "BatchResult": "batch",
    "unit_parameter_sets": "batch",
    "LocalExecutor": "executors",
    "DaskExecutor": "executors",
    "Provenance": "provenance",
    "find_template": "templates",
    "list_templates": "templates",
    "ReportError": "errors",
    "TemplateError": "errors",
    "ReportParameterError": "errors",
    "ReportExecutionError": "errors",
    "ExportError": "errors",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'assess.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
