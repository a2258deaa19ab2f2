"""Reporting: backtest report dict, offline QuantStats tear sheet, hvplot performance plots, the
stakeholder page (:mod:`.stakeholder`) and the run's stored scripts (:mod:`.assets`).

Every stakeholder page opens with the decision-support notice (:data:`DECISION_SUPPORT`).

Names are imported on first use: the stakeholder dashboard reads runs and must not pay for the
backtest engine (:mod:`.report` imports it) when it only shows what a run wrote.
"""

from __future__ import annotations

import importlib
from typing import Any

# imported now: the submodule and its function share the name ``tearsheet``, and a lazily
# imported submodule would replace the function on the package (light: no QuantStats yet)
from mi_kernel.reporting.tearsheet import strip_external_resources as strip_external_resources
from mi_kernel.reporting.tearsheet import tearsheet as tearsheet

_EXPORTS = {
    "DECISION_SUPPORT": "notice",
    "add_notice": "notice",
    "notice_html": "notice",
    "evidence_html": "evidence",
    "evidence_note": "evidence",
    "evidence_rows": "evidence",
    "inline_panel_resources": "offline",
    "RunOverview": "overview",
    "run_overview": "overview",
    "drawdown_plot": "plots",
    "equity_plot": "plots",
    "performance_plots": "plots",
    "active_returns": "report",
    "backtest_report": "report",
    "jsonable": "report",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted([*_EXPORTS, "strip_external_resources", "tearsheet"])
