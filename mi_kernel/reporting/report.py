"""The numbers of a backtest report: one JSON-able dict (metrics, DSR, costs, IS/OOS split)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.backtest import BacktestResult
from mi_kernel.errors import ConfigError
from mi_kernel.metrics import (
    annual_turnover,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    sharpe,
    summary,
)
from mi_kernel.metrics.performance import resolve_periods


def active_returns(result: BacktestResult) -> pd.Series:
    """Return the net returns from the first traded bar on (the idle warm-up is cut)."""
    return result.active_returns


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _deflated(
    returns: pd.Series,
    n_trials: int,
    sr_variance: float | None,
    trial_sharpes: Sequence[float] | None,
    ppy: float,
) -> dict[str, Any]:
    if sr_variance is None and trial_sharpes is None:
        if n_trials > 1:
            note = (
                f"n_trials={n_trials} but neither sr_variance nor trial_sharpes was given; "
                "pass the trials' annualised Sharpe ratios to deflate the Sharpe ratio"
            )
            warnings.warn(note, UserWarning, stacklevel=3)
            return {"deflated_sharpe": None, "n_trials": n_trials, "deflated_sharpe_note": note}
        sr_variance = 0.0
    if trial_sharpes is not None:
        sr_variance = float(np.var(np.asarray(trial_sharpes, dtype=float), ddof=1))
    assert sr_variance is not None
    dsr = deflated_sharpe_ratio(returns, n_trials, sr_variance=sr_variance, periods_per_year=ppy)
    return {
        "deflated_sharpe": dsr,
        "n_trials": n_trials,
        "sr_variance": sr_variance,
        "expected_max_sharpe": expected_max_sharpe(n_trials, sr_variance),
    }


def _costs(result: BacktestResult, returns: pd.Series, ppy: float) -> dict[str, float]:
    totals = {str(k): float(v) for k, v in result.costs.sum(axis=0).items()}
    drag = (result.gross_returns - result.returns).loc[returns.index]
    return {
        **totals,
        "total": float(sum(totals.values())),
        "annual_drag": float(drag.mean() * ppy) if len(drag) else float("nan"),
    }


def _execution(result: BacktestResult, returns: pd.Series) -> dict[str, Any]:
    """P&L attribution totals and fill statistics of the active period."""
    attribution = result.attribution.loc[returns.index].sum(axis=0)
    part = result.participation().dropna()
    unfilled = result.unfilled.loc[returns.index] if result.unfilled is not None else None
    return {
        "attribution": {str(k): float(v) for k, v in attribution.items()},
        "fills": len(result.trades),
        "delistings": int((result.trades["order_id"] == -2).sum()),
        "participation_mean": float(part.mean()) if len(part) else 0.0,
        "participation_max": float(part.max()) if len(part) else 0.0,
        "unfilled_mean": float(unfilled.mean()) if unfilled is not None else 0.0,
        "warnings": list(result.warnings),
    }


def _split(returns: pd.Series, benchmark: pd.Series | None, split: Any, ppy: float) -> dict:
    ts = pd.Timestamp(split)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    ins, oos = returns[returns.index < ts], returns[returns.index >= ts]
    if len(ins) < 3 or len(oos) < 3:
        raise ConfigError(f"split={split} leaves {len(ins)} / {len(oos)} periods; move it inside")
    return {
        "split": ts.isoformat(),
        "in_sample": summary(ins, benchmark, ppy),
        "out_of_sample": summary(oos, benchmark, ppy),
    }


def backtest_report(
    result: BacktestResult,
    benchmark: pd.Series | None = None,
    n_trials: int = 1,
    *,
    sr_variance: float | None = None,
    trial_sharpes: Sequence[float] | None = None,
    split: str | pd.Timestamp | None = None,
    periods_per_year: float | None = None,
) -> dict[str, Any]:
    """Summarise a backtest: risk/return metrics, PSR, deflated Sharpe, costs, turnover.

    Parameters
    ----------
    result : BacktestResult
        The backtest; metrics use its net returns from the first traded bar on.
    benchmark : Series of float, optional
        Benchmark per-period returns for alpha, beta, information ratio.
    n_trials : int, default 1
        Number of strategies / parameter sets tried before this one (for the DSR).
    sr_variance : float, optional
        Variance of the trials' annualised Sharpe ratios (needed when ``n_trials > 1``
        unless ``trial_sharpes`` is given).
    trial_sharpes : sequence of float, optional
        The trials' annualised Sharpe ratios.
    split : str or Timestamp, optional
        First out-of-sample date; adds "in_sample" and "out_of_sample" summaries.
    periods_per_year : float, optional
        Annualisation factor; inferred from the index when omitted.

    Returns
    -------
    dict
        JSON-able (NaN -> None): every key of :func:`mi_kernel.metrics.summary`, plus
        gross_sharpe, turnover_annual, turnover_mean, deflated_sharpe, n_trials, sr_variance,
        expected_max_sharpe (annualised), costs_by_type (currency per type, total, and
        annual_drag as a return), cost_model (every field of the cost model the simulation
        applied; None for a result built without one), attribution (P&L totals: price,
        dividends, each cost, net),
        fills, delistings, participation_mean/max, unfilled_mean, warnings (caveats of the
        market traded, e.g. survivorship bias), start, end, final_equity, and the split
        summaries when ``split`` is given; aliases turnover (= turnover_annual),
        probabilistic_sharpe (= psr) and total_costs (currency). With ``n_trials > 1`` but
        no trial dispersion, deflated_sharpe is None, deflated_sharpe_note says why, and a
        UserWarning is issued.
    """
    returns = active_returns(result)
    ppy = resolve_periods(returns, periods_per_year)
    report: dict[str, Any] = summary(returns, benchmark, ppy)
    report.update(
        start=returns.index[0].isoformat(),
        end=returns.index[-1].isoformat(),
        final_equity=float(result.equity.iloc[-1]),
        gross_sharpe=sharpe(result.gross_returns.loc[returns.index], ppy),
        turnover_annual=annual_turnover(result.turnover.loc[returns.index], ppy),
        turnover_mean=float(result.turnover.loc[returns.index].mean()),
        costs_by_type=_costs(result, returns, ppy),
        cost_model=result.cost_model.model_dump() if result.cost_model is not None else None,
        **_execution(result, returns),
    )
    report.update(_deflated(returns, n_trials, sr_variance, trial_sharpes, ppy))
    report.update(  # short aliases read by notebooks and dashboards
        turnover=report["turnover_annual"],
        probabilistic_sharpe=report["psr"],
        total_costs=report["costs_by_type"]["total"],
    )
    if split is not None:
        report.update(_split(returns, benchmark, split, ppy))
    return jsonable(report)
