"""Reporting: backtest report dict, offline QuantStats tear sheet, hvplot performance plots.

Every stakeholder page opens with the decision-support notice (:data:`DECISION_SUPPORT`).

QuantStats and hvplot are imported only inside the functions that need them.
"""

from __future__ import annotations

from mi_kernel.reporting.notice import DECISION_SUPPORT, add_notice, notice_html
from mi_kernel.reporting.offline import inline_panel_resources
from mi_kernel.reporting.overview import RunOverview, run_overview
from mi_kernel.reporting.plots import drawdown_plot, equity_plot, performance_plots
from mi_kernel.reporting.report import active_returns, backtest_report, jsonable
from mi_kernel.reporting.tearsheet import strip_external_resources, tearsheet

__all__ = [
    "DECISION_SUPPORT",
    "RunOverview",
    "active_returns",
    "add_notice",
    "backtest_report",
    "drawdown_plot",
    "equity_plot",
    "inline_panel_resources",
    "jsonable",
    "notice_html",
    "performance_plots",
    "run_overview",
    "strip_external_resources",
    "tearsheet",
]
