"""Backtest a VaR forecast: exceedances, Kupiec POF, Christoffersen independence and CC.

A forecast is stamped at the period it applies to: ``var.loc[t]`` must be computed from
returns up to ``t - 1`` only (:func:`rolling_var_forecast` builds such a series). Period
``t`` is an exceedance when the realised loss beats the forecast, ``-returns[t] > var[t]``.

With ``n`` periods, ``x`` exceedances, ``p = 1 - level`` and ``0 * log(0) = 0``:

- Kupiec (1995) proportion of failures, unconditional coverage, ``chi2(1)`` under H0:
  ``LR_pof = -2 [(n - x) log(1 - p) + x log(p) - (n - x) log(1 - x/n) - x log(x/n)]``.
- Christoffersen (1998) independence, ``chi2(1)``: with ``n_ij`` the number of periods in
  state ``j`` after a period in state ``i`` (1 = exceedance), ``pi_0 = n_01 / (n_00 + n_01)``,
  ``pi_1 = n_11 / (n_10 + n_11)``, ``pi = (n_01 + n_11) / (n - 1)``:
  ``LR_ind = -2 [log L(pi) - log L(pi_0, pi_1)]`` with
  ``log L(pi) = (n_00 + n_10) log(1 - pi) + (n_01 + n_11) log(pi)`` and
  ``log L(pi_0, pi_1) = n_00 log(1 - pi_0) + n_01 log(pi_0) + n_10 log(1 - pi_1)
  + n_11 log(pi_1)``.
- Conditional coverage ``LR_cc = LR_pof + LR_ind``, ``chi2(2)`` (the usual sum; Christoffersen
  computes the POF part on the ``n - 1`` transitions, which differs by one period).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk.report import json_number
from mi_kernel.risk.var import MonteCarloSpec, RandomState, VarMethod, value_at_risk


def _xlogy(x: float, y: float) -> float:
    """Return ``x * log(y)`` with ``0 * log(0) = 0``."""
    return 0.0 if x == 0 else x * math.log(y)


def _kupiec(n: int, x: int, p: float) -> float:
    rate = x / n
    null = _xlogy(n - x, 1 - p) + _xlogy(x, p)
    alt = _xlogy(n - x, 1 - rate) + _xlogy(x, rate)
    return max(-2.0 * (null - alt), 0.0)


def _transitions(hits: np.ndarray) -> tuple[int, int, int, int]:
    prev, nxt = hits[:-1], hits[1:]
    return (
        int(np.sum(~prev & ~nxt)),
        int(np.sum(~prev & nxt)),
        int(np.sum(prev & ~nxt)),
        int(np.sum(prev & nxt)),
    )


def _christoffersen(n00: int, n01: int, n10: int, n11: int) -> float:
    pairs = n00 + n01 + n10 + n11
    if pairs == 0:
        return 0.0
    pi = (n01 + n11) / pairs
    pi0 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi1 = n11 / (n10 + n11) if n10 + n11 else 0.0
    null = _xlogy(n00 + n10, 1 - pi) + _xlogy(n01 + n11, pi)
    alt = _xlogy(n00, 1 - pi0) + _xlogy(n01, pi0) + _xlogy(n10, 1 - pi1) + _xlogy(n11, pi1)
    return max(-2.0 * (null - alt), 0.0)


@dataclass(frozen=True)
class VarBacktest:
    """Result of :func:`var_backtest`.

    Attributes
    ----------
    n : int
        Periods with both a forecast and a realised return.
    exceedances : int
        Periods whose loss beat the forecast VaR.
    expected : float
        ``n * (1 - level)``, the exceedances a correct forecast has on average.
    rate, expected_rate : float
        ``exceedances / n`` and ``1 - level``.
    level, significance : float
        Confidence level of the VaR and significance of the tests.
    lr_pof, p_pof : float
        Kupiec statistic and p-value (``chi2(1)``).
    lr_ind, p_ind : float
        Christoffersen independence statistic and p-value (``chi2(1)``).
    lr_cc, p_cc : float
        Conditional coverage statistic and p-value (``chi2(2)``).
    n00, n01, n10, n11 : int
        Transition counts (1 = exceedance) over the ``n - 1`` consecutive pairs.
    verdict : str
        ``"accept: ..."`` or ``"reject: ..."`` with the reason, first failed test first.
    """

    n: int
    exceedances: int
    expected: float
    rate: float
    expected_rate: float
    level: float
    significance: float
    lr_pof: float
    p_pof: float
    lr_ind: float
    p_ind: float
    lr_cc: float
    p_cc: float
    n00: int
    n01: int
    n10: int
    n11: int
    verdict: str

    @property
    def rejected(self) -> bool:
        """Whether a test rejected the forecast at ``significance``."""
        return self.verdict.startswith("reject")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (non-finite numbers become None)."""
        return {
            k: json_number(v) if isinstance(v, float) else v for k, v in asdict(self).items()
        } | {"rejected": self.rejected}


def _verdict(x: int, expected: float, alpha: float, p: tuple[float, float, float]) -> str:
    p_pof, p_ind, p_cc = p
    if p_pof < alpha:
        side = "understated" if x > expected else "overstated"
        return (
            f"reject: {x} exceedances vs {expected:.1f} expected (Kupiec p={p_pof:.3g}); "
            f"the VaR looks {side}"
        )
    if p_ind < alpha:
        return f"reject: exceedances cluster (Christoffersen independence p={p_ind:.3g})"
    if p_cc < alpha:
        return f"reject: conditional coverage fails (p={p_cc:.3g})"
    return f"accept: {x} exceedances vs {expected:.1f} expected, no test rejects at {alpha:g}"


def var_backtest(
    returns: pd.Series, var: pd.Series, level: float, significance: float = 0.05
) -> VarBacktest:
    """Test a VaR forecast against realised returns.

    Parameters
    ----------
    returns : Series
        Realised simple returns of the book, one per period.
    var : Series
        VaR forecast per period (positive loss fraction), stamped at the period it applies
        to and known before it (computed from returns up to the previous period). Aligned
        to ``returns`` by index; periods where the forecast is NaN (a warm-up) are left out.
    level : float
        Confidence level the forecast was made at, in (0, 1).
    significance : float, default 0.05
        Size of the tests, in (0, 1).

    Returns
    -------
    VarBacktest

    Raises
    ------
    ConfigError
        If ``level`` or ``significance`` is outside (0, 1), or an input is not a Series.
    DataError
        If no period has both values, or a realised return is NaN where a forecast exists.
    """
    for name, value in (("level", level), ("significance", significance)):
        if not 0.0 < value < 1.0:
            raise ConfigError(f"{name} must be in (0, 1), got {value!r}")
    if not (isinstance(returns, pd.Series) and isinstance(var, pd.Series)):
        raise ConfigError("returns and var must be pandas Series indexed by period")
    forecast = var.astype("float64").dropna()
    realised = returns.astype("float64").reindex(forecast.index)
    if realised.isna().any():
        gaps = [str(t) for t in realised.index[realised.isna()][:5]]
        raise DataError(
            f"returns are missing or NaN at {gaps} where a VaR forecast exists; "
            "align the two series or drop those periods from var"
        )
    if forecast.empty:
        raise DataError("no period has both a VaR forecast and a return; check the indexes")
    hits = (-realised.to_numpy() > forecast.to_numpy()).astype(bool)
    n, x, p = int(hits.size), int(hits.sum()), 1.0 - level
    counts = _transitions(hits)
    lr_pof, lr_ind = _kupiec(n, x, p), _christoffersen(*counts)
    pvals = (
        float(chi2.sf(lr_pof, 1)),
        float(chi2.sf(lr_ind, 1)),
        float(chi2.sf(lr_pof + lr_ind, 2)),
    )
    return VarBacktest(
        n=n,
        exceedances=x,
        expected=n * p,
        rate=x / n,
        expected_rate=p,
        level=float(level),
        significance=float(significance),
        lr_pof=lr_pof,
        p_pof=pvals[0],
        lr_ind=lr_ind,
        p_ind=pvals[1],
        lr_cc=lr_pof + lr_ind,
        p_cc=pvals[2],
        n00=counts[0],
        n01=counts[1],
        n10=counts[2],
        n11=counts[3],
        verdict=_verdict(x, n * p, significance, pvals),
    )


def rolling_var_forecast(
    returns: pd.Series,
    window: int,
    level: float = 0.95,
    method: str = VarMethod.HISTORICAL,
    *,
    random_state: RandomState = None,
    monte_carlo: MonteCarloSpec | None = None,
) -> pd.Series:
    """Forecast the one-period VaR of each period from the ``window`` periods before it.

    ``out.iloc[t]`` is :func:`~mi_kernel.risk.value_at_risk` of ``returns.iloc[t - window:t]``
    (rows strictly before ``t``), so it is known before ``returns.iloc[t]``; the first
    ``window`` periods are NaN.

    Parameters
    ----------
    returns : Series
        Simple per-period returns of the book in time order, free of NaN / inf.
    window : int
        Number of past periods each forecast uses.
    level : float, default 0.95
        Confidence level in (0, 1).
    method : str, default "historical"
        A :class:`~mi_kernel.risk.VarMethod`.
    random_state : int, numpy Generator or None
        Seed of ``monte_carlo``: one generator is made from it and advanced forecast by
        forecast, so an int gives the same series on every call.
    monte_carlo : MonteCarloSpec, optional
        Settings of ``monte_carlo`` (mind the cost: one simulation per period).

    Returns
    -------
    Series
        VaR forecasts (positive loss fractions) on the index of ``returns``, named ``"var"``.

    Raises
    ------
    ConfigError, DataError
        As :func:`~mi_kernel.risk.value_at_risk`, on a window below the method's minimum
        history, or on a non-positive ``window``.
    """
    if not isinstance(returns, pd.Series):
        raise ConfigError(f"returns must be a pandas Series, got {type(returns).__name__}")
    if not (isinstance(window, int | np.integer) and window >= 1):
        raise ConfigError(f"window must be a positive number of periods, got {window!r}")
    rng = np.random.default_rng(random_state)
    out = np.full(len(returns), np.nan)
    for t in range(window, len(returns)):
        out[t] = value_at_risk(
            returns.iloc[t - window : t],
            method=method,
            level=level,
            random_state=rng,
            monte_carlo=monte_carlo,
        )
    return pd.Series(out, index=returns.index, name="var")
