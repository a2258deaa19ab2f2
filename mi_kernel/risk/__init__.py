"""Risk of a book: ex-ante risk, VaR / ES and their backtest, exposures, concentration."""

from __future__ import annotations

from mi_kernel.risk.concentration import Concentration, Liquidity, concentration, liquidity
from mi_kernel.risk.ex_ante import ex_ante
from mi_kernel.risk.exposures import (
    FactorExposures,
    StyleExposures,
    factor_exposures,
    sector_exposures,
    style_exposures,
)
from mi_kernel.risk.policies import Derisk, HardLimits, KillSwitch, LossBreaker, Policies
from mi_kernel.risk.report import RiskReport, json_number
from mi_kernel.risk.var import (
    Aggregation,
    MonteCarloSpec,
    Simulation,
    VarMethod,
    expected_shortfall,
    value_at_risk,
    var_es,
    var_table,
)
from mi_kernel.risk.var_backtest import VarBacktest, rolling_var_forecast, var_backtest
from mi_kernel.risk.weights import UNKNOWN_SECTOR, check_weights, sector_labels

__all__ = [
    "UNKNOWN_SECTOR",
    "Aggregation",
    "Concentration",
    "Derisk",
    "FactorExposures",
    "HardLimits",
    "KillSwitch",
    "Liquidity",
    "LossBreaker",
    "MonteCarloSpec",
    "Policies",
    "RiskReport",
    "Simulation",
    "StyleExposures",
    "VarBacktest",
    "VarMethod",
    "check_weights",
    "concentration",
    "ex_ante",
    "expected_shortfall",
    "factor_exposures",
    "json_number",
    "liquidity",
    "rolling_var_forecast",
    "sector_exposures",
    "sector_labels",
    "style_exposures",
    "value_at_risk",
    "var_backtest",
    "var_es",
    "var_table",
]
