"""Ex-ante risk of a book: volatility, historical VaR / ES, Euler risk contributions, sectors.

The book's return in each period of the window is ``returns @ weights`` (weights held
constant); volatility and risk contributions use the sample covariance (``ddof=1``) of the
window, VaR and CVaR the empirical distribution of the book's returns
(:func:`skfolio.measures.value_at_risk` and :func:`skfolio.measures.cvar`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from skfolio.measures import cvar as _cvar
from skfolio.measures import value_at_risk as _value_at_risk

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk.exposures import sector_exposures
from mi_kernel.risk.report import RiskReport
from mi_kernel.risk.weights import check_weights


def _window(held: pd.Series, returns: pd.DataFrame) -> np.ndarray:
    """Return the (n_periods, n_held) returns of the held names; complete rows only."""
    missing = [str(s) for s in held.index if s not in returns.columns]
    if missing:
        raise DataError(
            f"returns have no column for the weighted symbol(s) {missing[:10]}"
            f"{' ...' if len(missing) > 10 else ''}; pass returns covering every held name"
        )
    panel = returns.loc[:, list(held.index)].astype("float64").replace([np.inf, -np.inf], np.nan)
    panel = panel.dropna(how="any")
    if len(panel) < 2:
        raise DataError(
            f"only {len(panel)} period(s) have a return for every held name; "
            "need at least 2 (fill gaps or shorten the window)"
        )
    return panel.to_numpy()


def _sector_exposures(
    held: pd.Series, sectors: pd.Series | Mapping[str, str] | None
) -> dict[str, float]:
    net = sector_exposures(held, sectors)["net"]
    return {str(k): float(v) for k, v in net.items()}


def _contributions(w: np.ndarray, cov: np.ndarray, symbols: pd.Index) -> dict[str, float]:
    marginal = cov @ w
    variance = float(w @ marginal)
    if not variance > 0:
        return {}
    return {str(s): float(c) for s, c in zip(symbols, w * marginal / variance, strict=True)}


def ex_ante(
    weights: pd.Series,
    returns: pd.DataFrame,
    periods_per_year: int = 252,
    sectors: pd.Series | Mapping[str, str] | None = None,
    level: float = 0.95,
) -> RiskReport:
    """Measure the risk of holding ``weights`` over the window of ``returns``.

    Parameters
    ----------
    weights : Series
        Weight per symbol (fraction of equity, signed); zero weights are ignored.
    returns : DataFrame, shape (n_periods, n_symbols)
        Simple per-period returns, one column per symbol; rows where a held name has no
        return are left out.
    periods_per_year : int, default 252
        Periods per year of ``returns``, to annualise the volatility (252 = daily sessions;
        pass 52 for weekly returns).
    sectors : Series or mapping, optional
        Symbol -> sector; names without a sector count under "Unknown".
    level : float, default 0.95
        Confidence level of VaR and CVaR, in (0, 1).

    Returns
    -------
    RiskReport

    Raises
    ------
    DataError
        If a weighted symbol has no return column, or fewer than 2 complete periods remain.
    ConfigError
        On a non-positive ``periods_per_year`` or ``level`` outside (0, 1).
    """
    if not periods_per_year > 0:
        raise ConfigError(f"periods_per_year must be positive, got {periods_per_year}")
    if not 0.0 < level < 1.0:
        raise ConfigError(f"level must be in (0, 1), e.g. 0.95, got {level}")
    held = check_weights(weights)
    exposures = _sector_exposures(held, sectors)
    w = held.to_numpy()
    # an empty book is flat: zero returns over the window, no contributions
    panel = _window(held, returns) if w.size else np.zeros((max(len(returns), 2), 0))
    book = panel @ w
    contributions = (
        _contributions(w, np.atleast_2d(np.cov(panel, rowvar=False, ddof=1)), held.index)
        if w.size
        else {}
    )
    return RiskReport(
        volatility=float(np.std(book, ddof=1) * math.sqrt(periods_per_year)),
        var=float(_value_at_risk(book, beta=level)) + 0.0,  # + 0.0: no -0.0
        cvar=float(_cvar(book, beta=level)) + 0.0,
        gross=float(np.abs(w).sum()),
        net=float(w.sum()),
        n_positions=float(w.size),
        effective_n=float(1.0 / np.sum(w**2)) if w.size else 0.0,
        level=float(level),
        periods_per_year=float(periods_per_year),
        n_periods=float(len(book)),
        risk_contributions=contributions,
        sector_exposures=exposures,
    )
